"""The core assembled: store, commands and dispatcher, with no platform and no scheduler.

``bot.cli`` adds adapters and tasks around it; tests and benchmarks use it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.catalog import build_registry
from bot.clock import Clock, SystemClock
from bot.commands import Registry
from bot.config import Config
from bot.dispatch import Dispatcher
from bot.gateway import Sources
from bot.store import Store


@dataclass
class Core:
    config: Config
    store: Store
    clock: Clock
    registry: Registry
    dispatcher: Dispatcher

    @property
    def sources(self) -> Sources | None:
        return self.dispatcher.sources

    @classmethod
    async def open(
        cls, config: Config, *, db_path: str | Path | None = None, clock: Clock | None = None,
        sources: Sources | None = None,
    ) -> Core:
        clock = clock or SystemClock()
        registry = build_registry()
        store = await Store.open(db_path or config.db_path)
        dispatcher = Dispatcher(store=store, clock=clock, config=config, registry=registry, sources=sources)
        return cls(config, store, clock, registry, dispatcher)

    async def close(self) -> None:
        await self.store.close()
