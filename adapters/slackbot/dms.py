"""The bot's DM channel with each person: opened with ``conversations.open`` once, then remembered.

Replies to commands (a private file, an answer from the App Home) and the postman's reminders share
one directory, so a volunteer costs one ``conversations.open`` per process, not one per message.
Only the most recently used channels are kept: a DM channel id says nothing a user id does not, but
there is no reason to hold every one a campaign ever opened.
"""

from __future__ import annotations

from collections import OrderedDict

from slack_sdk.web.async_client import AsyncWebClient

#: DM channels remembered at most (the least recently used are opened again when needed).
KEEP = 5_000


class DmChannels:
    def __init__(self, client: AsyncWebClient, *, keep: int = KEEP) -> None:
        self._client = client
        self._keep = keep
        self._channels: OrderedDict[str, str] = OrderedDict()

    async def channel(self, user_id: str) -> str:
        """The DM channel with ``user_id`` (Slack errors propagate: the caller knows what they mean)."""
        channel = self._channels.get(user_id)
        if channel is None:
            response = await self._client.conversations_open(users=user_id)
            channel = str(response["channel"]["id"])
            self._channels[user_id] = channel
            if len(self._channels) > self._keep:
                self._channels.popitem(last=False)
        else:
            self._channels.move_to_end(user_id)
        return channel
