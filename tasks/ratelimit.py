"""Our own throttle for outgoing messages: discord.py only reacts to 429s, Slack answers them late.

A token bucket per key (a platform, or a platform's channel), served first come first served, so
the order in which deliveries ask (their due order) is the order in which they go.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

_EPSILON = 1e-9
#: A platform-wide bucket may run two ahead: at hundreds a second, sleeps overshoot and would be lost.
PLATFORM_BURST = 2.0


class TokenBucket:
    """``rate`` per second on average. A ``burst`` above one lets a late wake-up catch up on the next
    acquisition instead of losing that time for good, which matters at hundreds per second."""

    def __init__(
        self,
        rate: float,
        *,
        burst: float = 1.0,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = max(burst, 1.0)
        self._clock = clock or asyncio.get_running_loop().time
        self._sleep = sleep
        self._tokens = self.burst
        self._last = self._clock()
        self._turn = asyncio.Lock()  # FIFO: waiters are served in arrival order

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now

    async def acquire(self) -> None:
        async with self._turn:
            self._refill()
            while self._tokens < 1 - _EPSILON:  # float sums such as 0.1 * 3 fall just short of a token
                await self._sleep((1 - self._tokens) / self.rate)
                self._refill()
            self._tokens = max(self._tokens - 1, 0.0)


class Throttle:
    """Buckets by key, made on first use: one overall per platform, one per channel where asked."""

    def __init__(self, *, per_platform: dict[str, float], per_channel: dict[str, float],
                 clock: Callable[[], float] | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.per_platform = per_platform
        self.per_channel = per_channel
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    def _bucket(self, key: tuple[str, str], rate: float, burst: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(rate, burst=burst, clock=self._clock, sleep=self._sleep)
        return bucket

    async def wait(self, platform: str, channel: str | None) -> None:
        if channel is not None and platform in self.per_channel:
            # One message a second into a channel means exactly that: no burst.
            await self._bucket((platform, channel), self.per_channel[platform], 1.0).acquire()
        if platform in self.per_platform:
            await self._bucket((platform, ""), self.per_platform[platform], PLATFORM_BURST).acquire()
