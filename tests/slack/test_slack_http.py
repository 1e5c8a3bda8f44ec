"""HTTP mode: only requests signed with the signing secret, and recent, get through."""

from __future__ import annotations

import time
from collections.abc import Callable

import slack_payloads as p
from slack_harness import CHANNEL, SECRET, VAL, SlackHarness


async def _post(slack: SlackHarness, headers: Callable[[bytes], dict[str, str]]) -> tuple[int, bytes]:
    body, content_type = p.encode("slash_commands", p.slash(VAL[0], VAL[1], "help", channel=CHANNEL,
                                                            response_url=slack.fake.response_url("never")))
    url = f"http://127.0.0.1:{slack.runtime.port}/slack/events"
    async with slack.http.post(url, data=body, headers={"Content-Type": content_type, **headers(body)}) as response:
        return response.status, await response.read()


async def test_a_forged_signature_is_refused(slack_http: SlackHarness) -> None:
    status, _ = await _post(slack_http, lambda body: p.sign("not-the-secret", body))
    assert status == 401


async def test_a_stale_signature_is_refused(slack_http: SlackHarness) -> None:
    status, _ = await _post(slack_http, lambda body: p.sign(SECRET, body, int(time.time()) - 10 * 60))
    assert status == 401


async def test_a_signature_over_other_bytes_is_refused(slack_http: SlackHarness) -> None:
    status, _ = await _post(slack_http, lambda body: p.sign(SECRET, body + b"&text=announce"))
    assert status == 401


async def test_an_unsigned_request_is_refused_and_nothing_runs(slack_http: SlackHarness) -> None:
    status, _ = await _post(slack_http, lambda body: {})
    assert status == 401
    assert slack_http.fake.posts("never") == []


async def test_a_properly_signed_request_is_answered(slack_http: SlackHarness) -> None:
    status, _ = await _post(slack_http, lambda body: p.sign(SECRET, body))
    assert status == 200
