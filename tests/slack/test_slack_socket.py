"""Socket Mode: envelopes in, acks out, and a server-requested reconnect that loses nothing."""

from __future__ import annotations

import slack_payloads as p
from fake_slack import FakeSlack
from slack_harness import OLIVIA, VAL, SlackHarness, eventually, texts


async def test_every_envelope_is_acked_with_its_id(slack_socket: SlackHarness) -> None:
    slack = slack_socket
    envelope = p.next_id("env-")
    await slack.fake.push("slash_commands", p.slash(VAL[0], VAL[1], "help", channel="C1",
                                                    response_url=slack.fake.response_url("a")), envelope)
    ack = await slack.fake.wait_ack(envelope)
    assert ack.envelope_id == envelope
    await eventually(lambda: slack.fake.posts("a"))


async def test_a_disconnect_request_makes_the_client_reconnect_and_keep_working(slack_socket: SlackHarness) -> None:
    slack = slack_socket
    fake: FakeSlack = slack.fake
    opened = len(fake.called("apps.connections.open"))
    await fake.ask_to_reconnect()
    await fake.wait_connected(count=2)
    assert len(fake.called("apps.connections.open")) == opened + 1
    await eventually(lambda: len(fake._sockets) == 1)  # the old socket was closed by the client
    [reply] = await slack.say(OLIVIA, "help")
    assert "For organizers" in texts(reply)
