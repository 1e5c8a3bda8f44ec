"""A per-channel pacer: Slack accepts about one message per second per channel.

slack-sdk only reacts to 429s after the fact; pacing ourselves keeps a fan-out of announcements
and reminders from tripping them. Clock and sleep are injected so tests need no real waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class ChannelThrottle:
    def __init__(
        self,
        interval: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        #: Channel -> the earliest moment the next message may go.
        self._next: dict[str, float] = {}

    async def wait(self, channel: str) -> float:
        """Reserve the channel's next slot and wait for it; returns how long we waited."""
        now = self._clock()
        slot = max(now, self._next.get(channel, now))
        self._next[channel] = slot + self.interval
        self._forget_idle(now)
        delay = slot - now
        if delay > 0:
            await self._sleep(delay)
        return delay

    def _forget_idle(self, now: float) -> None:
        if len(self._next) > 1000:  # keep memory flat on big workspaces
            self._next = {c: t for c, t in self._next.items() if t > now}
