"""Outgoing deliveries on Slack: the ``Transport`` the postman calls for reminders and announcements.

Errors are sorted for the outbox: what Slack will never accept (a deleted channel, a deactivated
person) is ``DeliveryRefused``; what may pass (rate limits, 5xx, timeouts) is ``DeliveryFailed``.
"""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slackbot.blocks import render_reply
from adapters.slackbot.clients import retry_after
from adapters.slackbot.dms import DmChannels
from adapters.slackbot.throttle import ChannelThrottle
from adapters.slackbot.translate import PLATFORM
from bot.delivery import DeliveryFailed, DeliveryRefused, DeliveryUncertain
from bot.model import Reply, Target

log = logging.getLogger(__name__)

#: Slack error codes that no retry can fix.
REFUSALS = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "cannot_dm_bot", "user_disabled", "user_not_found",
    "users_not_found", "user_not_visible", "messages_tab_disabled", "restricted_action",
    "restricted_action_read_only_channel", "restricted_action_thread_only_channel", "ekm_access_denied",
    "team_access_not_granted", "invalid_blocks", "msg_too_long", "no_text", "method_not_supported_for_channel_type",
})


def classify(exc: Exception) -> DeliveryRefused | DeliveryFailed:
    """The outbox's view of a failed Slack call."""
    if isinstance(exc, SlackApiError):
        response = exc.response
        error = str(response.get("error") or f"HTTP {response.status_code}")
        if response.status_code == 429 or error == "ratelimited":
            return DeliveryFailed(f"slack: {error}", retry_after=retry_after(response.headers) or 1.0)
        if error in REFUSALS:
            return DeliveryRefused(f"slack: {error}")
        return DeliveryFailed(f"slack: {error}")
    if isinstance(exc, TimeoutError | aiohttp.ClientError | SlackClientError):
        return DeliveryFailed(f"slack: {type(exc).__name__}")
    raise exc


class SlackTransport:
    platform = PLATFORM

    def __init__(self, client: AsyncWebClient, *, throttle: ChannelThrottle | None = None,
                 dms: DmChannels | None = None) -> None:
        self._client = client
        self._throttle = throttle or ChannelThrottle()
        self._dms = dms or DmChannels(client)

    async def send(self, target: Target, reply: Reply, *, key: str) -> str | None:
        try:
            return await self._send(target, reply)
        except (TimeoutError, SlackApiError, SlackClientError, aiohttp.ClientError) as exc:
            raise classify(exc) from exc

    async def _send(self, target: Target, reply: Reply) -> str | None:
        channel = await self._dms.channel(target.address) if target.kind == "dm" else target.address
        first: str | None = None
        for message in render_reply(reply):
            await self._throttle.wait(channel)
            try:
                response = await self._client.chat_postMessage(
                    channel=channel, text=message.text, blocks=list(message.blocks) or None,
                    unfurl_links=False, unfurl_media=False,
                )
            except (TimeoutError, aiohttp.ServerDisconnectedError) as exc:
                # The request went out; Slack may have posted it. chat.postMessage has no idempotency key.
                raise DeliveryUncertain(f"slack: {type(exc).__name__} while posting") from exc
            first = first or f"{response.get('channel', channel)}:{response.get('ts', '')}"
        for attachment in reply.attachments:
            await self._throttle.wait(channel)
            await self._client.files_upload_v2(channel=channel, filename=attachment.filename,
                                               content=attachment.data, title=attachment.filename)
        return first
