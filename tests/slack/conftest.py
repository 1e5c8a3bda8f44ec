"""Fixtures for the Slack tests: a fake Slack, a core on a temp SQLite file, and a running harness."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fake_slack import FakeSlack
from slack_harness import GREG, GROUP, SlackHarness, slack_config, start_harness, stop_harness

from bot.app import Core
from bot.clock import FakeClock


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(usergroups={GROUP: [GREG[0]]})
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def slack_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def slack_core(tmp_path: Path, slack_clock: FakeClock, fake_slack: FakeSlack) -> AsyncIterator[Core]:
    core = await Core.open(slack_config(fake_slack, "socket"), db_path=tmp_path / "t.db", clock=slack_clock)
    yield core
    await core.close()


@pytest.fixture(params=["http", "socket"])
async def slack(request: pytest.FixtureRequest, fake_slack: FakeSlack, slack_core: Core
                ) -> AsyncIterator[SlackHarness]:
    harness = await start_harness(fake_slack, slack_core, request.param)
    yield harness
    await stop_harness(harness)


@pytest.fixture
async def slack_http(fake_slack: FakeSlack, slack_core: Core) -> AsyncIterator[SlackHarness]:
    harness = await start_harness(fake_slack, slack_core, "http")
    yield harness
    await stop_harness(harness)


@pytest.fixture
async def slack_socket(fake_slack: FakeSlack, slack_core: Core) -> AsyncIterator[SlackHarness]:
    harness = await start_harness(fake_slack, slack_core, "socket")
    yield harness
    await stop_harness(harness)
