"""Fixtures: a fake Discord, a core on a real SQLite file, and the real discord.py bot between them.

``chat`` is the harness tests talk through: ``await chat.slash(alice, "signup", event=1)`` returns
the messages Discord received in answer, once the bot says it has finished with the interaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yarl
from fake_discord import FakeDiscord, FakeInteraction, FakeUser

from adapters.discordbot import DiscordBot  # first: imports discord without the audioop warning
from adapters.discordbot.interactions import HANDLED_EVENT
from bot.app import Core
from bot.clock import FakeClock
from bot.config import Config, DiscordSettings, Secrets
from tasks.postman import Postman

TOKEN = "test-token"


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    import discord  # loaded already by the adapter, which silences the audioop warning on import

    # The adapter points discord.py at the fake through its settings; put the real values back after.
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        yarl.URL(str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)))
    server = FakeDiscord()
    await server.start()
    try:
        yield server
    finally:
        await server.close()
    assert server.problems == [], f"Discord would have refused: {server.problems}"


@pytest.fixture
def config(fake: FakeDiscord) -> Config:
    return Config(discord=DiscordSettings(api_base=fake.api_base, gateway_url=fake.gateway_url),
                  secrets=Secrets(discord_token=TOKEN))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def core(config: Config, clock: FakeClock, tmp_path: Path) -> AsyncIterator[Core]:
    opened = await Core.open(config, db_path=tmp_path / "t.db", clock=clock)
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def postman(core: Core, clock: FakeClock) -> Postman:
    return Postman(store=core.store, clock=clock)


class Chat:
    """Talks to the bot the way Discord would, and waits (on events, never on time) for answers."""

    def __init__(self, fake: FakeDiscord, core: Core, config: Config, postman: Postman) -> None:
        self.fake = fake
        self.core = core
        self.config = config
        self.postman = postman
        self.bot: DiscordBot | None = None
        self.defer_after = 1.5

    async def start(self, **options: Any) -> DiscordBot:
        self.bot = DiscordBot(core=self.core, config=self.config, postman=self.postman,
                              guild_ready_timeout=0.05, defer_after=options.pop("defer_after", self.defer_after),
                              **options)
        await self.bot.start(ready_within=10)
        return self.bot

    async def restart(self) -> DiscordBot:
        await self.stop()
        return await self.start()

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.close()
            self.bot = None

    async def _interact(self, itype: int, data: dict[str, Any], user: FakeUser, **kw: Any) -> FakeInteraction:
        assert self.bot is not None
        iid = self.fake.new_id()
        handled = asyncio.ensure_future(
            self.bot.client.wait_for(HANDLED_EVENT, check=lambda i: i == iid, timeout=10))
        try:
            inter = await self.fake.interact(itype, data, user, iid=iid, **kw)
            await handled
        finally:
            handled.cancel()
        return inter

    async def slash(self, user: FakeUser, name: str, /, *, channel: str = "general", **options: Any
                    ) -> list[dict[str, Any]]:
        """Run ``/name`` with options; returns the messages sent in answer (original first)."""
        inter = await self.invoke(user, name, channel=channel, **options)
        return self.fake.answers(inter)

    async def invoke(self, user: FakeUser, name: str, /, *, channel: str = "general", **options: Any
                     ) -> FakeInteraction:
        command = next(c for c in self.fake.commands if c["name"] == name)
        types = {o["name"]: o["type"] for o in command.get("options", [])}
        opts = [{"name": k, "type": types[k], "value": v} for k, v in options.items()]
        data = {"id": command["id"], "name": name, "type": 1, "options": opts}
        return await self._interact(2, data, user, channel=channel)

    async def click(self, user: FakeUser, message: dict[str, Any], label: str) -> FakeInteraction:
        button = next(b for row in message["components"] for b in row["components"] if b.get("label") == label)
        data = {"custom_id": button["custom_id"], "component_type": 2}
        return await self._interact(3, data, user, message=message)

    async def autocomplete(self, user: FakeUser, name: str, option: str, typed: str) -> list[dict[str, Any]]:
        command = next(c for c in self.fake.commands if c["name"] == name)
        data = {"id": command["id"], "name": name, "type": 1,
                "options": [{"name": option, "type": 4, "value": typed, "focused": True}]}
        return (await self._interact(4, data, user)).choices


@pytest.fixture
async def chat(fake: FakeDiscord, core: Core, config: Config, postman: Postman) -> AsyncIterator[Chat]:
    harness = Chat(fake, core, config, postman)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


@pytest.fixture
def olivia(fake: FakeDiscord) -> FakeUser:
    """An organizer (Manage Events)."""
    return fake.user("olivia", organizer=True)


@pytest.fixture
def vic(fake: FakeDiscord) -> FakeUser:
    """A volunteer."""
    return fake.user("vic")

