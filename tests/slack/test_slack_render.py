"""Pure rendering and translation: markup to mrkdwn, Block Kit limits, payloads to Invocations."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from adapters.slackbot.blocks import MAX_BLOCKS, MAX_SECTION, render_reply
from adapters.slackbot.modal import error_block, submitted_values
from adapters.slackbot.mrkdwn import escape, to_mrkdwn
from adapters.slackbot.throttle import ChannelThrottle
from adapters.slackbot.translate import command_text, slash_invocation, wants_event_modal
from bot.catalog import build_registry
from bot.markup import esc
from bot.model import Button, Card, Field, Reply
from bot.textparse import bind_options


def test_markup_becomes_mrkdwn() -> None:
    assert to_mrkdwn("**bold** _it_ `code` [site](https://x.org/a?b=1&c=2)") == (
        "*bold* _it_ `code` <https://x.org/a?b=1&amp;c=2|site>")


def test_escaped_user_text_cannot_ping_or_link() -> None:
    shown = to_mrkdwn(esc("<!channel> <@U123> <https://evil|click> & *x*"))
    assert "<" not in shown and ">" not in shown
    assert shown.startswith("&lt;!channel&gt; &lt;@U123&gt;")


@given(st.text(max_size=300))
def test_no_user_text_ever_yields_a_slack_control_sequence(text: str) -> None:
    shown = to_mrkdwn(f"**{esc(text)}** said {esc(text)}")
    assert "<" not in shown and ">" not in shown


def test_long_text_is_split_into_sections_within_limits() -> None:
    text = "\n".join(f"- line {i} " + "x" * 200 for i in range(400))
    messages = render_reply(Reply(text))
    blocks = [b for m in messages for b in m.blocks]
    assert all(len(m.blocks) <= MAX_BLOCKS for m in messages)
    assert all(len(b["text"]["text"]) <= MAX_SECTION for b in blocks)
    assert sum(len(b["text"]["text"]) + 1 for b in blocks) >= len(text)


def test_one_huge_line_is_cut_without_breaking_an_entity() -> None:
    text = esc("&" * 5000)
    [message] = render_reply(Reply(text))
    for block in message.blocks:
        assert block["text"]["text"].replace("&amp;", "") == ""


def test_a_card_has_a_header_fields_a_local_time_and_buttons() -> None:
    start = datetime(2026, 12, 8, 0, 0, tzinfo=UTC)
    card = Card("#1 Council <!channel>", "About", (Field("When", "Mon, Dec 7 · 7:00 PM EST"), Field("Speaker", "0/5")),
                starts_at=start, ends_at=start.replace(hour=2), footer="Sign up: signup 1 <role>")
    [message] = render_reply(Reply("x", cards=(card,), buttons=(Button("Sign up: speaker", "signup 1 speaker"),)))
    kinds = [b["type"] for b in message.blocks]
    assert kinds == ["section", "divider", "header", "section", "section", "context", "actions"]
    fields = message.blocks[4]["fields"]
    assert fields[0]["text"].startswith("*When*\n<!date^1796688000^{date_short_pretty} {time}|Mon, Dec 7")
    assert "<!date^1796695200^{time}|" in fields[0]["text"]
    assert message.blocks[5]["elements"][0]["text"] == "Sign up: signup 1 &lt;role&gt;"
    button = message.blocks[6]["elements"][0]
    assert button["action_id"] == "turnout:signup:1:speaker" and button["style"] == "primary"


def test_a_summary_replaces_text_that_only_repeats_the_card_but_not_the_notification() -> None:
    card = Card("#1 Council", "About", (Field("When", "Mon, Dec 7 · 7:00 PM EST"),))
    [quiet] = render_reply(Reply("Council, Mon, Dec 7 at City Hall", cards=(card,), summary=""))
    assert [b["type"] for b in quiet.blocks] == ["divider", "header", "section", "section"]
    assert quiet.text.startswith("Council, Mon, Dec 7")  # what a phone notification shows
    [status] = render_reply(Reply("Council ...\nYou're signed up.", cards=(card,), summary="You're signed up."))
    assert status.blocks[0]["text"]["text"] == "You're signed up."


def test_many_buttons_split_into_actions_blocks_of_25() -> None:
    buttons = tuple(Button(f"B{i}" * 60, f"signup {i}") for i in range(30))
    [message] = render_reply(Reply("pick", buttons=buttons))
    actions = [b for b in message.blocks if b["type"] == "actions"]
    assert [len(a["elements"]) for a in actions] == [25, 5]
    assert all(len(e["text"]["text"]) <= 75 for a in actions for e in a["elements"])


def test_a_deliberate_mention_only_for_real_user_ids() -> None:
    assert render_reply(Reply("hi", mention="U123ABC"))[0].text.startswith("<@U123ABC> hi")
    assert render_reply(Reply("hi", mention="<!channel>"))[0].text.startswith("&lt;!channel&gt; hi")


def test_slash_text_is_unescaped_for_the_core() -> None:
    assert command_text("") == "help"
    assert command_text("announce a &lt;b&gt; &amp;amp;") == "announce a <b> &amp;"
    body = {"user_id": "U1", "user_name": "val", "channel_id": "D1", "channel_name": "directmessage",
            "team_id": "T1", "text": "mine"}
    invocation = slash_invocation(body, is_organizer=False)
    assert invocation.place.is_direct and invocation.text == "mine"
    assert wants_event_modal("event  ADD") and not wants_event_modal("event add x")


def test_the_form_answers_reach_the_core_by_name_with_every_character() -> None:
    view = {"state": {"values": {
        "title": {"value": {"value": ' Say "no" when:now '}}, "when": {"value": {"value": "Dec 7 7pm"}},
        "where": {"value": {"value": "City Hall"}}, "spots": {"value": {"value": "5"}},
        "about": {"value": {"value": "Line one\nwhere: line two"}}, "link": {"value": {"value": "  "}},
    }}}
    command = build_registry().get("event add")
    assert command is not None
    args = bind_options(command, submitted_values(view))
    assert args["title"] == 'Say "no" when:now'
    assert args["where"] == "City Hall" and args["spots"] == 5 and args["link"] is None
    assert args["about"] == "Line one\nwhere: line two"
    assert error_block("`spots` must be at least 1.") == "spots"
    assert error_block("Mon 7 PM is in the past. Pick a time ahead.") == "when"


async def test_the_throttle_spaces_messages_per_channel() -> None:
    now = [100.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds
        await asyncio.sleep(0)

    throttle = ChannelThrottle(1.0, clock=lambda: now[0], sleep=sleep)
    assert [await throttle.wait("C1") for _ in range(3)] == [0.0, 1.0, 1.0]
    assert await throttle.wait("C2") == 0.0
    now[0] += 5
    assert await throttle.wait("C1") == 0.0
    assert slept == [1.0, 1.0]


def test_escape_is_minimal() -> None:
    assert escape("a & b < c > d * _") == "a &amp; b &lt; c &gt; d * _"
    assert json.dumps(escape("é"), ensure_ascii=False) == '"é"'
