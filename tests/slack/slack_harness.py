"""The Slack harness: the real slack-bolt app, started by our runtime, against ``FakeSlack``.

``SlackHarness`` delivers payloads the way Slack does in either mode (signed HTTP POSTs, or
Socket Mode envelopes) and waits for effects by polling with a timeout, never by sleeping a
fixed time. Tests read like a conversation: ``await slack.say(OLIVIA, "event add ...")``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aiohttp
import slack_payloads as p
from fake_slack import APP_TOKEN, BOT_TOKEN, FakeSlack, eventually

from adapters.slackbot import SlackRuntime
from adapters.slackbot.throttle import ChannelThrottle
from bot.app import Core
from bot.config import CampaignSettings, Config, ConsoleSettings, Secrets, SlackSettings
from bot.dispatch import Dispatcher
from tasks.postman import Postman

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
OLIVIA = ("UORG1", "olivia")  # organizer by user id
GREG = ("UGRP1", "greg")  # organizer through the user group
VAL = ("UVOL1", "val")  # volunteer
GROUP = "SORGS"
CHANNEL = "C0GENERAL"


def slack_config(fake: FakeSlack, mode: str) -> Config:
    return Config(
        campaign=CampaignSettings(name="Durham for the Resolution", timezone="America/New_York"),
        console=ConsoleSettings(organizers=("olivia",)),
        slack=SlackSettings(mode=mode, organizers=(OLIVIA[0], GROUP), api_base=fake.api_url, path="/slack/events"),
        secrets=Secrets(slack_bot_token=BOT_TOKEN, slack_app_token=APP_TOKEN, slack_signing_secret=SECRET),
    )


@dataclass
class Delivered:
    """What Slack got back for one request: the HTTP status or ack, and its body."""

    status: int
    body: Any
    response_url: str = ""


@dataclass
class SlackHarness:
    fake: FakeSlack
    core: Core
    runtime: SlackRuntime
    postman: Postman
    mode: str
    http: aiohttp.ClientSession
    _last: Delivered | None = field(default=None)

    async def deliver(self, kind: str, payload: dict[str, Any]) -> Delivered:
        if self.mode == "http":
            body, content_type = p.encode(kind, payload)
            url = f"http://127.0.0.1:{self.runtime.port}/slack/events"
            headers = {"Content-Type": content_type, **p.sign(SECRET, body)}
            async with self.http.post(url, data=body, headers=headers) as response:
                text = await response.text()
                parsed: Any = text
                if response.content_type == "application/json" and text:
                    parsed = await response.json()
                return Delivered(response.status, parsed)
        envelope = p.next_id("env-")
        await self.fake.push(kind, payload, envelope)
        ack = await self.fake.wait_ack(envelope)
        return Delivered(200, ack.payload)

    async def command(self, user: tuple[str, str], text: str, *, channel: str = CHANNEL) -> Delivered:
        rid = p.next_id("r")
        delivered = await self.deliver("slash_commands", p.slash(user[0], user[1], text, channel=channel,
                                                                  response_url=self.fake.response_url(rid)))
        delivered.response_url = rid
        return delivered

    async def say(self, user: tuple[str, str], text: str, *, channel: str = CHANNEL, count: int = 1
                  ) -> list[dict[str, Any]]:
        """``/turnout text`` and the messages posted back to its response_url."""
        delivered = await self.command(user, text, channel=channel)
        assert delivered.status == 200
        return await eventually(lambda: len(self.fake.posts(delivered.response_url)) >= count
                                and self.fake.posts(delivered.response_url))

    async def click(self, user: tuple[str, str], action_id: str, *, channel: str = CHANNEL) -> list[dict[str, Any]]:
        rid = p.next_id("r")
        delivered = await self.deliver("interactive", p.click(user[0], user[1], action_id, channel=channel,
                                                              response_url=self.fake.response_url(rid)))
        assert delivered.status == 200
        return await eventually(lambda: self.fake.posts(rid))


def texts(message: dict[str, Any]) -> str:
    """Every piece of text in a posted message, joined: what a reader could see."""
    parts = [str(message.get("text", ""))]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and "text" in node:
                parts.append(str(node["text"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks", []))
    return "\n".join(parts)


async def start_harness(fake: FakeSlack, core: Core, mode: str, *, dispatcher: Dispatcher | None = None,
                        throttle: ChannelThrottle | None = None) -> SlackHarness:
    postman = Postman(store=core.store, clock=core.clock)
    runtime = await SlackRuntime.start(
        dispatcher=dispatcher or core.dispatcher, clock=core.clock, config=slack_config(fake, mode),
        after_command=postman.flush, host="127.0.0.1", port=0, throttle=throttle or ChannelThrottle(0.0),
    )
    postman.add_transport(runtime.transport)
    if mode == "socket":
        await fake.wait_connected()
    return SlackHarness(fake, core, runtime, postman, mode, aiohttp.ClientSession())


async def stop_harness(harness: SlackHarness) -> None:
    await harness.http.close()
    await harness.runtime.close()


