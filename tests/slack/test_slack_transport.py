"""Deliveries through the Slack transport: DMs, channel posts, Slack's errors sorted for the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from fake_slack import BOT_TOKEN, Failure, FakeSlack
from slack_harness import CHANNEL, OLIVIA, VAL, SlackHarness, eventually, texts

from adapters.slackbot.clients import web_client
from adapters.slackbot.dms import DmChannels
from adapters.slackbot.throttle import ChannelThrottle
from adapters.slackbot.transport import SlackTransport
from bot.delivery import DeliveryFailed, DeliveryRefused, DeliveryUncertain
from bot.model import Attachment, Button, Outgoing, Reply, Target


@pytest.fixture
async def transport(fake_slack: FakeSlack) -> AsyncIterator[SlackTransport]:
    async with aiohttp.ClientSession() as session:
        client = web_client(BOT_TOKEN, base_url=fake_slack.api_url, session=session, resend_on_connection_error=False)
        yield SlackTransport(client, throttle=ChannelThrottle(0.0))


DM = Target("slack", "dm", VAL[0], label="val")
ROOM = Target("slack", "channel", "C0ANNOUNCE", label="announcements")


async def test_a_dm_opens_the_conversation_then_posts(transport: SlackTransport, fake_slack: FakeSlack) -> None:
    message_id = await transport.send(DM, Reply("Reminder: **canvass** tomorrow",
                                                buttons=(Button("Cancel my spot", "cancel 1"),)), key="k")
    [opened] = fake_slack.called("conversations.open")
    assert opened.args["users"] == VAL[0]
    [post] = fake_slack.called("chat.postMessage")
    assert post.args["channel"] == "DVOL1" and message_id and message_id.startswith("DVOL1:")
    assert "Reminder: *canvass* tomorrow" in texts(post.args)
    assert post.args["blocks"][-1]["elements"][0]["action_id"] == "turnout:cancel:1"
    await transport.send(DM, Reply("again"), key="k2")
    assert len(fake_slack.called("conversations.open")) == 1  # remembered


async def test_only_the_most_recent_dm_channels_are_remembered(fake_slack: FakeSlack) -> None:
    async with aiohttp.ClientSession() as session:
        client = web_client(BOT_TOKEN, base_url=fake_slack.api_url, session=session, resend_on_connection_error=True)
        dms = DmChannels(client, keep=2)
        for user in ("U1", "U2", "U1", "U3", "U1", "U2"):
            assert await dms.channel(user) == "D" + user[1:]
    # U1 was used again before U3 came, so U2 made way; U2 is opened again at the end.
    assert [c.args["users"] for c in fake_slack.called("conversations.open")] == ["U1", "U2", "U3", "U2"]


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "is_archived", "user_disabled"])
async def test_permanent_slack_errors_are_refusals(transport: SlackTransport, fake_slack: FakeSlack,
                                                    error: str) -> None:
    fake_slack.fail("chat.postMessage", Failure(error))
    with pytest.raises(DeliveryRefused, match=error):
        await transport.send(ROOM, Reply("hello"), key="k")


async def test_cannot_dm_bot_is_a_refusal(transport: SlackTransport, fake_slack: FakeSlack) -> None:
    fake_slack.fail("conversations.open", Failure("cannot_dm_bot"))
    with pytest.raises(DeliveryRefused):
        await transport.send(Target("slack", "dm", "UBOT2"), Reply("hello"), key="k")


async def test_a_short_429_is_retried_once_after_retry_after(transport: SlackTransport, fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", Failure(status=429, retry_after=0))
    assert await transport.send(ROOM, Reply("hello"), key="k")
    assert len(fake_slack.called("chat.postMessage")) == 2


async def test_a_long_429_goes_back_to_the_outbox_with_its_delay(transport: SlackTransport,
                                                                  fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", Failure(status=429, retry_after=30))
    with pytest.raises(DeliveryFailed) as caught:
        await transport.send(ROOM, Reply("hello"), key="k")
    assert caught.value.retry_after == 30
    assert len(fake_slack.called("chat.postMessage")) == 1


async def test_server_errors_are_transient(transport: SlackTransport, fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", Failure("internal_error", status=503))
    with pytest.raises(DeliveryFailed):
        await transport.send(ROOM, Reply("hello"), key="k")


async def test_a_dropped_connection_is_not_blindly_resent(transport: SlackTransport, fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", Failure(drop=True))
    with pytest.raises(DeliveryUncertain):  # Slack may have posted it: the outbox must not retry
        await transport.send(ROOM, Reply("hello"), key="k")
    assert len(fake_slack.called("chat.postMessage")) == 1


async def test_files_go_up_with_files_upload_v2(transport: SlackTransport, fake_slack: FakeSlack) -> None:
    await transport.send(ROOM, Reply("Roster", attachments=(Attachment("roster-1.csv", b"name\nval\n", "text/csv"),)),
                         key="k")
    [done] = fake_slack.called("files.completeUploadExternal")
    assert done.args["channel_id"] == "C0ANNOUNCE"
    assert list(fake_slack.uploads.values()) == [b"name\nval\n"]


async def _queue(slack: SlackHarness, target: Target, reply: Reply, key: str, kind: str = "reminder") -> None:
    async with slack.core.store.transaction() as tx:
        await tx.enqueue(Outgoing(target, reply, key=key), kind=kind, now=slack.core.clock.now())


async def _states(slack: SlackHarness) -> dict[str, str]:
    async with slack.core.store.snapshot() as tx:
        return {d.key: d.state for d in await tx.deliveries()}


async def test_a_reminder_dm_goes_out_through_the_postman_once(slack_http: SlackHarness) -> None:
    slack = slack_http
    await _queue(slack, DM, Reply("Reminder: Canvass Old North starts in 2 hours."), key="reminder:1:1")
    assert await slack.postman.flush() == 1
    assert await slack.postman.flush() == 0
    [post] = slack.fake.called("chat.postMessage")
    assert post.args["channel"] == "DVOL1" and "starts in 2 hours" in texts(post.args)
    assert (await _states(slack))["reminder:1:1"] == "sent"


async def test_a_refused_dm_falls_back_to_a_mention_in_the_reminders_channel(slack_http: SlackHarness) -> None:
    slack = slack_http
    await slack.say(OLIVIA, "channel link reminders", channel=CHANNEL)
    slack.fake.fail("conversations.open", Failure("user_not_found"))
    await _queue(slack, Target("slack", "dm", "UGONE1"), Reply("Reminder: canvass"), key="reminder:1:2")
    await slack.postman.flush()
    post = await eventually(lambda: [c for c in slack.fake.called("chat.postMessage") if c.args["channel"] == CHANNEL])
    assert texts(post[0].args).startswith("<@UGONE1> I couldn't DM you")
    assert "canvass" not in texts(post[0].args)  # the channel learns there is a message, not what it says
    states = await _states(slack)
    assert states["reminder:1:2"] == "failed"
