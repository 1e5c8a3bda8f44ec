"""A real core on a temp file, people and invocations: what the in-process benchmarks drive."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.app import Core
from bot.clock import Clock, SystemClock
from bot.config import CampaignSettings, Config
from bot.model import Actor, Invocation, Place

PLATFORM = "bench"
PLACE = Place(PLATFORM, "general", workspace_id="w1", channel_name="general")


def bench_config() -> Config:
    return Config(campaign=CampaignSettings(name="Durham for the Resolution", timezone="America/New_York"))


@asynccontextmanager
async def open_core(path: Path, *, clock: Clock | None = None) -> AsyncIterator[Core]:
    core = await Core.open(bench_config(), db_path=path, clock=clock or SystemClock())
    try:
        yield core
    finally:
        await core.close()


def volunteer(n: int, *, platform: str = PLATFORM) -> Actor:
    """The n-th volunteer, named as the generators name them (so the dispatcher finds them unchanged)."""
    return Actor(platform, f"u{n}", f"Volunteer {n}")


def organizer() -> Actor:
    return Actor(PLATFORM, "olivia", "Olivia", is_organizer=True)


def say(actor: Actor, text: str) -> Invocation:
    return Invocation(actor, PLACE, text)
