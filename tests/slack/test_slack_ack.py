"""Slack gives 3 seconds to acknowledge; Turnout acks first and works afterwards.

The core is made slow with a gate the test holds shut: the ack must arrive while the command is
still blocked, and the answer must follow once the gate opens. No fixed sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from fake_slack import FakeSlack
from slack_harness import VAL, SlackHarness, eventually, start_harness, stop_harness, texts

from bot.app import Core
from bot.dispatch import Dispatcher
from bot.model import Invocation, Reply


class GatedDispatcher(Dispatcher):
    """The real dispatcher, held at the door until the test opens the gate."""

    def __init__(self, real: Dispatcher) -> None:
        super().__init__(store=real.store, clock=real.clock, config=real.config, registry=real.registry)
        self.gate = asyncio.Event()
        self.waiting = 0

    async def dispatch(self, invocation: Invocation) -> list[Reply]:
        self.waiting += 1
        await self.gate.wait()
        return await super().dispatch(invocation)


@pytest.fixture(params=["http", "socket"])
async def gated(request: pytest.FixtureRequest, fake_slack: FakeSlack, slack_core: Core
                ) -> AsyncIterator[tuple[SlackHarness, GatedDispatcher]]:
    dispatcher = GatedDispatcher(slack_core.dispatcher)
    harness = await start_harness(fake_slack, slack_core, request.param, dispatcher=dispatcher)
    yield harness, dispatcher
    dispatcher.gate.set()
    await stop_harness(harness)


async def test_the_ack_comes_while_the_core_is_still_busy(
    gated: tuple[SlackHarness, GatedDispatcher],
) -> None:
    slack, dispatcher = gated
    delivered = await asyncio.wait_for(slack.command(VAL, "help"), timeout=30)  # a guard against hanging only
    assert delivered.status == 200
    await eventually(lambda: dispatcher.waiting == 1)
    assert slack.fake.posts(delivered.response_url) == []  # acked before any answer existed
    dispatcher.gate.set()
    [answer] = await eventually(lambda: slack.fake.posts(delivered.response_url))
    assert "what I can do" in texts(answer)
