"""What a job that talks to the outside world gets: the store, settings, clock and the outside sources.

Such jobs fetch first, outside any transaction (a slow source must never hold the database's
write lock), then apply what they fetched in a transaction of their own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Config
from bot.gateway import Sources
from bot.notify import Notifier
from bot.store import Store
from bot.store.timers import Timer


@dataclass
class JobEnv:
    store: Store
    config: Config
    clock: Clock
    sources: Sources | None = None
    #: Called after a job queued messages, so they go out now rather than at the next wake-up.
    on_queued: Callable[[], None] | None = None

    @asynccontextmanager
    async def notifier(self) -> AsyncIterator[Notifier]:
        """A transaction to apply results in, with messages queued in it."""
        async with self.store.transaction() as tx:
            notifier = Notifier(tx, self.clock.now(), self.config)
            yield notifier
        if notifier.queued and self.on_queued is not None:
            self.on_queued()

FetchJob = Callable[[JobEnv, Timer], Awaitable[None]]
