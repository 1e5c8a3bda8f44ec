"""Two adapters, one campaign: what is created on Slack can be joined from the console, and back."""

from __future__ import annotations

import io

from slack_harness import OLIVIA, VAL, SlackHarness, texts

from adapters.console import ConsoleChat


async def test_an_event_made_on_slack_is_joined_on_the_console_and_seen_on_slack(slack_http: SlackHarness) -> None:
    slack = slack_http
    out = io.StringIO()
    console = ConsoleChat(dispatcher=slack.core.dispatcher, config=slack.core.config, clock=slack.core.clock, out=out)
    [added] = await slack.say(OLIVIA, 'event add Canvass Old North when:"Dec 5 10am" spots:3')
    assert "Added event" in texts(added)
    await console.handle_line("bob: signup 1")
    assert "You're in! Canvass Old North" in out.getvalue()
    [shown] = await slack.say(VAL, "event 1")
    assert "1/3, 2 open" in texts(shown)


async def test_an_event_made_on_the_console_is_joined_with_a_slack_button(slack_http: SlackHarness) -> None:
    slack = slack_http
    out = io.StringIO()
    console = ConsoleChat(dispatcher=slack.core.dispatcher, config=slack.core.config, clock=slack.core.clock, out=out)
    await console.handle_line('event add Pack the chambers when:"Dec 7 7pm" spots:2')
    [clicked] = await slack.click(VAL, "turnout:signup:1")
    assert "You're in! Pack the chambers" in texts(clicked)
    await console.handle_line("event 1")
    assert "1/2, 1 open" in out.getvalue()
