"""Sending replies to the person who asked: ephemeral or in-channel, through ``response_url`` or the API.

A ``response_url`` works in any channel (even ones the bot is not in) but only 5 times; after
that, and where there is none (App Home clicks), we fall back to the Web API. Files cannot be
ephemeral, so a private file (a roster, a calendar) goes to the person's DM with the bot.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slackbot.blocks import SlackMessage, render_reply
from adapters.slackbot.dms import DmChannels
from adapters.slackbot.mrkdwn import escape
from bot.model import Reply

log = logging.getLogger(__name__)

#: Slack accepts 5 posts to one response_url.
RESPONSE_URL_USES = 5


@dataclass
class Answerer:
    """Everything needed to answer one interaction; made per command, click or submission."""

    client: AsyncWebClient
    session: aiohttp.ClientSession | None
    dms: DmChannels
    user_id: str
    channel_id: str
    response_url: str = ""
    #: No channel to answer in (the App Home): private answers go to the person's DM.
    via_dm: bool = False
    _uses: int = field(default=0)

    async def send(self, replies: list[Reply]) -> None:
        for reply in replies:
            for message in render_reply(reply):
                await self._message(message, private=reply.visibility == "private")
            if reply.attachments:
                await self._files(reply)

    async def _message(self, message: SlackMessage, *, private: bool) -> None:
        if self.response_url and self._uses < RESPONSE_URL_USES and not self.via_dm:
            self._uses += 1
            webhook = AsyncWebhookClient(self.response_url, session=self.session)
            body: dict[str, object] = {"text": message.text, "replace_original": False,
                                       "response_type": "ephemeral" if private else "in_channel"}
            if message.blocks:
                body["blocks"] = list(message.blocks)
            response = await webhook.send_dict(body)
            if response.status_code == 200:
                return
            log.warning("response_url answered %s; falling back to the Web API", response.status_code)
        blocks = list(message.blocks) or None
        if private and not self.via_dm:
            try:
                await self.client.chat_postEphemeral(channel=self.channel_id, user=self.user_id, text=message.text,
                                                     blocks=blocks)
                return
            except SlackApiError as exc:  # e.g. not_in_channel: the DM still reaches the person
                log.info("ephemeral reply failed (%s); sending it by DM", exc.response.get("error"))
        channel = await self.dms.channel(self.user_id) if private else self.channel_id
        await self.client.chat_postMessage(channel=channel, text=message.text, blocks=blocks, unfurl_links=False)

    async def _files(self, reply: Reply) -> None:
        channel = await self.dms.channel(self.user_id) if reply.visibility == "private" else self.channel_id
        for attachment in reply.attachments:
            await self.client.files_upload_v2(channel=channel, filename=attachment.filename, content=attachment.data,
                                              title=attachment.filename)
        if reply.visibility == "private" and not self.via_dm:
            names = escape(", ".join(a.filename for a in reply.attachments))
            await self._message(SlackMessage(f"I sent {names} to our direct messages.", ()), private=True)
