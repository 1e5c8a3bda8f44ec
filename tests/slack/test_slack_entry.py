"""The entry point the CLI calls, and the manifest an organizer pastes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from fake_slack import FakeSlack, eventually
from slack_harness import OLIVIA, slack_config
from slack_payloads import home_opened, slash

from adapters.slackbot import run_slack
from adapters.slackbot.runtime import SlackRuntime, SlackSetupError
from bot.app import Core
from bot.config import Secrets
from bot.model import Outgoing, Reply, Target
from tasks.postman import Postman

MANIFEST = Path(__file__).resolve().parents[2] / "adapters" / "slackbot" / "manifest.yml"


async def test_run_slack_serves_commands_delivers_through_the_postman_and_stops_cleanly(
        fake_slack: FakeSlack, slack_core: Core) -> None:
    postman = Postman(store=slack_core.store, clock=slack_core.clock)
    task = asyncio.create_task(run_slack(slack_core, postman, slack_config(fake_slack, "socket")))
    try:
        await fake_slack.wait_connected()
        assert "slack" in postman.transports
        await fake_slack.push("slash_commands", slash(OLIVIA[0], OLIVIA[1], "help", channel="C1",
                                                      response_url=fake_slack.response_url("e1")), "env-e1")
        await eventually(lambda: fake_slack.posts("e1"))
        async with slack_core.store.transaction() as tx:
            await tx.enqueue(Outgoing(Target("slack", "dm", "UVOL1"), Reply("Reminder!"), key="r1"), kind="reminder",
                             now=slack_core.clock.now())
        assert await postman.flush() == 1  # the runner's tick would do this; the Slack transport carries it
        [opened] = fake_slack.called("conversations.open")
        assert opened.args["users"] == "UVOL1" and fake_slack.called("chat.postMessage")
        await fake_slack.push("events_api", home_opened(OLIVIA[0]), "env-e2")
        await eventually(lambda: fake_slack.called("views.publish"))
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    await eventually(lambda: not fake_slack._sockets)


async def test_missing_tokens_are_named_at_start_up(fake_slack: FakeSlack, slack_core: Core) -> None:
    config = slack_config(fake_slack, "socket")
    no_app = config.__class__(**{**config.__dict__, "secrets": Secrets(slack_bot_token="xoxb-test")})
    with pytest.raises(SlackSetupError, match="SLACK_APP_TOKEN"):
        await SlackRuntime.start(dispatcher=slack_core.dispatcher, clock=slack_core.clock, config=no_app)
    http = slack_config(fake_slack, "http")
    no_secret = http.__class__(**{**http.__dict__, "secrets": Secrets(slack_bot_token="xoxb-test")})
    with pytest.raises(SlackSetupError, match="SLACK_SIGNING_SECRET"):
        await SlackRuntime.start(dispatcher=slack_core.dispatcher, clock=slack_core.clock, config=no_secret)


def test_the_manifest_declares_what_the_adapter_uses() -> None:
    text = MANIFEST.read_text(encoding="utf-8")
    for needed in ("command: /turnout", "should_escape: false", "home_tab_enabled: true", "socket_mode_enabled: true",
                   "- app_home_opened", "is_enabled: true", "- chat:write ", "- commands ", "- im:write ",
                   "- usergroups:read ", "- files:write "):
        assert needed in text, needed
    assert "\t" not in text
