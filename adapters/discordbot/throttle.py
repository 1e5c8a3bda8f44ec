"""Our own proactive limit on REST calls: discord.py only reacts to 429s after the fact.

A fan-out (a reminder DM to hundreds of volunteers) would otherwise run into Discord's global
limit of 50 requests per second, and repeated 429s count towards Cloudflare's ban on invalid
requests. A small token bucket keeps us at about 35 per second with short bursts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

#: Requests per second we allow ourselves (Discord allows 50; discord.py's own 429 retries come on top).
DEFAULT_RATE = 35.0
#: Bucket size: rate + burst leaves room under Discord's 50 in any one second for retries.
DEFAULT_BURST = 5
#: Rounding slack: without it a deficit of 1e-17 asks to sleep less than the clock can advance.
_EPSILON = 1e-9


class TokenBucket:
    """``await acquire()`` before each request; time and sleeping are injectable for tests."""

    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        burst: int = DEFAULT_BURST,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self._monotonic = monotonic
        self._sleep = sleep
        self._tokens = float(burst)
        self._updated = monotonic()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self._monotonic()
        self._tokens = min(float(self.burst), self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    async def acquire(self) -> None:
        # One waiter at a time, so waiting callers are served in arrival order.
        async with self._lock:
            while True:
                self._refill()
                if self._tokens >= 1 - _EPSILON:
                    self._tokens = max(self._tokens - 1, 0.0)
                    return
                await self._sleep((1 - self._tokens) / self.rate)
