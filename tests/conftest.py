"""Shared test harness: a real store on a temp file, a fake clock, and a bot you talk to.

Tests read like a conversation: ``await bot.say("alice", "signup 3")`` returns alice's replies;
messages the bot sends to others land in ``bot.sent`` through a recording transport.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web

from bot import eventloop
from bot.app import Core
from bot.clock import FakeClock
from bot.config import CampaignSettings, Config, ConsoleSettings, Secrets
from bot.delivery import DeliveryFailed, DeliveryRefused, DeliveryUncertain
from bot.markup import to_plain
from bot.model import Actor, Invocation, Place, Reply, Target
from tasks.postman import Postman
from tasks.runner import Runner
from tasks.sources.gateway import SourceGateway
from tests.sources.sources_fakes import Recorder

SHARED = Path(__file__).resolve().parents[2] / "shared"
#: Real-world calendar files beside the repo (CI has them); tests that read them skip without.
ICS_CORPUS = SHARED / "data" / "ics"
#: Friday 27 Nov 2026, noon in Durham.
START = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
#: A year safely ahead, for tests of a real process, which runs on the real clock.
AHEAD = datetime.now(UTC).year + 3


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, Callable[[], object]]:
    """Tests run on the event loop the product runs on (``bot.eventloop``)."""
    return {"loop": eventloop.loop_factory()}


@dataclass
class Sent:
    target: Target
    reply: Reply
    key: str

    @property
    def text(self) -> str:
        return to_plain(self.reply.text)


@dataclass
class RecordingTransport:
    """An in-process platform: records what it is asked to send, fails when told to."""

    platform: str = "test"
    sent: list[Sent] = field(default_factory=list)
    refuse_dms_to: set[str] = field(default_factory=set)
    fail_next: int = 0
    #: Sends that reach the platform but whose answer is lost.
    lose_answer_next: int = 0

    async def send(self, target: Target, reply: Reply, *, key: str) -> str | None:
        if target.kind == "dm" and target.address in self.refuse_dms_to:
            raise DeliveryRefused("Cannot send messages to this user")
        if self.lose_answer_next:
            self.lose_answer_next -= 1
            self.sent.append(Sent(target, reply, key))
            raise DeliveryUncertain("connection reset after the request was sent")
        if self.fail_next:
            self.fail_next -= 1
            raise DeliveryFailed("503 Service Unavailable", retry_after=None)
        self.sent.append(Sent(target, reply, key))
        return f"m{len(self.sent)}"


class Bot:
    def __init__(self, core: Core, postman: Postman, transport: RecordingTransport, clock: FakeClock) -> None:
        self.core = core
        self.postman = postman
        self.transport = transport
        self.clock = clock
        self.organizers = {"olivia"}
        self.runner = Runner(store=core.store, clock=clock, config=core.config, postman=postman, sources=core.sources)

    async def run_until(self, instant: datetime) -> None:
        """Move the fake clock to ``instant``, stopping at every due time on the way, as a punctual
        alarm clock would, and run what is due at each stop."""
        while True:
            async with self.core.store.snapshot() as tx:
                stops = [await tx.next_due(set(self.postman.transports)), await tx.next_timer()]
            upcoming = [s for s in stops if s is not None and s <= instant]
            if not upcoming:
                break
            self.clock.set(max(min(upcoming), self.clock.now()))
            await self.runner.tick()
            await self.runner.settle()
        self.clock.set(instant)
        await self.runner.tick()
        await self.runner.settle()

    async def advance(self, **kwargs: float) -> None:
        await self.run_until(self.clock.now() + timedelta(**kwargs))

    @property
    def sent(self) -> list[Sent]:
        return self.transport.sent

    def actor(self, name: str) -> Actor:
        return Actor("test", name, name.capitalize(), is_organizer=name in self.organizers)

    async def ask(self, name: str, text: str, *, channel: str = "general") -> list[Reply]:
        place = Place("test", channel, workspace_id="w1", channel_name=channel)
        replies = await self.core.dispatcher.dispatch(Invocation(self.actor(name), place, text, self.clock.now()))
        await self.runner.tick()
        await self.runner.settle()
        return replies

    async def say(self, name: str, text: str, **kwargs: str) -> str:
        """The text of the replies, as a person would read it."""
        return "\n".join(to_plain(r.text) for r in await self.ask(name, text, **kwargs))

    def dms_to(self, name: str) -> list[str]:
        return [s.text for s in self.sent if s.target.kind == "dm" and s.target.address == name]

    def posts_in(self, channel: str) -> list[str]:
        return [s.text for s in self.sent if s.target.kind == "channel" and s.target.address == channel]


#: This checkout: a child process (the console) must run its code, not whatever ``bot`` the venv points at.
REPO = Path(__file__).resolve().parents[1]


def child_env() -> dict[str, str]:
    """The environment for a child ``python -m bot.cli``: this checkout's code, no platform tokens."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "TURNOUT_"))}
    env["PYTHONPATH"] = str(REPO)
    return env


def make_config(secrets: Secrets | None = None, **campaign: object) -> Config:
    return Config(
        campaign=CampaignSettings(name="Durham for the Resolution", timezone="America/New_York", **campaign),
        console=ConsoleSettings(organizers=("olivia",)),
        secrets=secrets or Secrets(),
    )


#: Starts an aiohttp app on 127.0.0.1 with a free port and returns its base URL.
Serve = Callable[[web.Application], Awaitable[str]]


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Fake servers for a test; all are stopped at teardown."""
    runners: list[web.AppRunner] = []

    async def start(app: web.Application) -> str:
        runner = web.AppRunner(app, shutdown_timeout=1.0)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        return f"http://{host}:{port}"

    yield start
    for runner in reversed(runners):
        await runner.cleanup()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def core(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Core]:
    config = make_config()
    sources = SourceGateway(config, timeout=5.0)
    core = await Core.open(config, db_path=tmp_path / "turnout.db", clock=clock, sources=sources)
    yield core
    await core.close()
    await sources.close()


@pytest.fixture
async def bot(core: Core, clock: FakeClock) -> AsyncIterator[Bot]:
    transport = RecordingTransport()
    postman = Postman(store=core.store, clock=clock, transports=[transport])
    bot = Bot(core, postman, transport, clock)
    await bot.runner.start()
    yield bot
    await bot.runner.close()


@pytest.fixture
def recorder() -> Recorder:
    """What the fake source servers were asked."""
    return Recorder()
