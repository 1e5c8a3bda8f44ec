"""Torture (issue #7), bad input: arbitrary unicode, huge arguments and every command name with
random argument strings, through the pure parser and through the whole dispatcher.

The parser raises nothing but ``UsageError``; the dispatcher never lets an exception out, never
apologises with an incident id (that is an unexpected error), keeps each reply within 4,000
characters, and what it says renders within Discord's and Slack's limits.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.discordbot import render as discord_render
from adapters.slackbot import blocks as slack_blocks
from bot.app import Core
from bot.catalog import build_registry
from bot.clock import FakeClock
from bot.errors import UsageError
from bot.model import Actor, Invocation, Place, Reply
from bot.textparse import parse_line
from bot.validate import MAX_ROLES
from tests.conftest import START, make_config
from tests.torture.torture_helpers import seed

REGISTRY = build_registry()
NAMES = sorted(c.name for c in REGISTRY)
KEYS = sorted({p.name for c in REGISTRY for p in c.params})
SETTINGS = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
MAX_REPLY = 4000

_words = st.text(max_size=40)
_huge = st.builds(lambda piece, n: piece * n, st.text(min_size=1, max_size=7), st.integers(1, 5000)).map(
    lambda s: s[:5000])
_number = st.one_of(st.integers(-10**15, 10**15).map(str), st.sampled_from(["1", "2", "3", "#1", "0", "1,000"]))
_time = st.sampled_from(["Dec 7 7pm", "tomorrow 18:30", "mon 7pm", "2026-12-07 19:00", "yesterday", "25:99",
                         "2026-02-30 10:00", "1d,2h", "3h", "99999d", "-1h", "now"])
_value = st.one_of(_words, _number, _time, _huge, st.sampled_from(["", '"', '""', "speaker=5,attendee", "x=0",
                                                                       "@everyone", "<!channel>", "Europe/Berlin"]))
_piece = st.one_of(
    _value,
    st.builds(lambda k, v: f"{k}:{v}", st.sampled_from(KEYS), _value),
    st.builds(lambda v: f'"{v}"', _value),
)
_args = st.lists(_piece, max_size=6).map(" ".join)
EXAMPLES = sorted(ex for c in REGISTRY for ex in c.examples)
_line = st.one_of(
    st.builds(lambda example, extra: f"{example} {extra}", st.sampled_from(EXAMPLES), st.one_of(st.just(""), _piece)),
    st.builds(lambda name, args: f"{name} {args}", st.sampled_from(NAMES), _args),
    st.builds(lambda name, args: f"/{name.upper()} {args}", st.sampled_from(NAMES), _args),
    st.text(max_size=300),
    _huge,
)


@SETTINGS
@given(_line)
def test_the_parser_raises_nothing_but_usage_errors(line: str) -> None:
    try:
        parse_line(line, REGISTRY)
    except UsageError as exc:
        assert len(exc.message) <= MAX_REPLY, f"seed {seed()}: a {len(exc.message)}-character error"


def check_reply(reply: Reply, line: str, *, max_text: int | None = MAX_REPLY) -> None:
    where = f"`{line[:200]!r}` ({len(line)} chars) -> {reply.text[:300]!r}"
    assert max_text is None or len(reply.text) <= max_text, f"a {len(reply.text)}-character reply to {where}"
    for bad in ("Traceback", "went wrong on my side", "incident"):
        assert bad not in reply.text, f"{bad!r} in the reply to {where}"
    for message in discord_render.render(reply):
        assert len(message.content) <= discord_render.MAX_CONTENT, f"Discord content over 2000: {where}"
        assert len(message.embeds) <= discord_render.MAX_EMBEDS, where
        assert sum(len(e) for e in message.embeds) <= discord_render.MAX_EMBED_TOTAL, where
        assert len(message.buttons) <= discord_render.MAX_ROWS * discord_render.PER_ROW, where
        for embed in message.embeds:
            assert len(embed.title or "") <= discord_render.MAX_TITLE, where
            assert len(embed.description or "") <= discord_render.MAX_DESCRIPTION, where
            assert len(embed.fields) <= discord_render.MAX_FIELDS, where
            for f in embed.fields:
                assert len(f.name or "") <= discord_render.MAX_FIELD_NAME, where
                assert len(f.value or "") <= discord_render.MAX_FIELD_VALUE, where
    for message in slack_blocks.render_reply(reply):
        assert len(message.text) <= slack_blocks.MAX_FALLBACK, where
        assert len(message.blocks) <= slack_blocks.MAX_BLOCKS, where
        for block in message.blocks:
            if block["type"] == "section" and "text" in block:
                assert len(block["text"]["text"]) <= slack_blocks.MAX_SECTION, where
            if block["type"] == "section" and "fields" in block:
                assert len(block["fields"]) <= slack_blocks.MAX_FIELDS, where
                assert all(len(f["text"]) <= slack_blocks.MAX_FIELD for f in block["fields"]), where
            if block["type"] == "header":
                assert len(block["text"]["text"]) <= slack_blocks.MAX_HEADER, where
            if block["type"] == "actions":
                assert len(block["elements"]) <= slack_blocks.MAX_ACTIONS, where
                for element in block["elements"]:
                    assert len(element["text"]["text"]) <= slack_blocks.MAX_BUTTON_TEXT, where
                    assert len(element["action_id"]) <= 255, where
                    assert len(element["value"]) <= 2000, where


SETUP = (
    "channel link announcements",
    "channel link reminders",
    'event add Council meeting when:"Dec 7 7pm" where:"101 City Hall Plaza" roles:"speaker=2,attendee"',
    'event add Canvass when:"Dec 1 10am" spots:1',
    "petition add resolution goal:1000",
)


def test_the_dispatcher_answers_anything_in_words(tmp_path: Path) -> None:
    with asyncio.Runner() as loop:
        core = loop.run(Core.open(make_config(), db_path=tmp_path / "bad.db", clock=FakeClock(START)))
        try:
            olivia = Actor("test", "olivia", "Olivia", is_organizer=True)
            place = Place("test", "general", workspace_id="w1", channel_name="general")
            for text in SETUP:
                for reply in loop.run(core.dispatcher.dispatch(Invocation(olivia, place, text, START))):
                    assert not reply.is_error, reply.text
            for name in ("ann", "bo", "cy"):
                loop.run(core.dispatcher.dispatch(Invocation(Actor("test", name, name), place, "signup 2", START)))

            @SETTINGS
            @given(line=_line, organizer=st.booleans(), display=st.one_of(st.just("Vera"), st.text(max_size=200)))
            def dispatch_anything(line: str, organizer: bool, display: str) -> None:
                actor = Actor("test", "vera", display, is_organizer=organizer)
                replies = loop.run(core.dispatcher.dispatch(Invocation(actor, place, line, START)))
                assert replies, f"no reply to {line[:200]!r}"
                for reply in replies:
                    check_reply(reply, line)

            dispatch_anything()

            @SETTINGS
            @given(name=st.sampled_from(NAMES), options=st.dictionaries(st.sampled_from(KEYS), _value, max_size=6))
            def dispatch_any_options(name: str, options: dict[str, str]) -> None:
                """What a Discord slash command or the Slack form sends: values by name, never parsed as text."""
                actor = Actor("test", "vera", "Vera", is_organizer=True)
                replies = loop.run(core.dispatcher.dispatch(Invocation(actor, place, name, START, options)))
                assert replies, f"no reply to {name} {options!r:.200}"
                for reply in replies:
                    check_reply(reply, f"{name} {options!r}")

            dispatch_any_options()
            assert loop.run(core.store.integrity_check()) == "ok"
        finally:
            loop.run(core.close())


def test_every_listing_stays_within_limits_when_everything_is_at_its_maximum(tmp_path: Path) -> None:
    """Not random: the largest state the validators allow, then every command that lists things."""
    with asyncio.Runner() as loop:
        clock = FakeClock(START)
        core = loop.run(Core.open(make_config(), db_path=tmp_path / "big.db", clock=clock))
        place = Place("test", "general", workspace_id="w1", channel_name="general")
        replies: list[tuple[str, Reply]] = []

        def say(name: str, line: str, *, organizer: bool = False, display: str = "") -> None:
            actor = Actor("test", name, display or name, is_organizer=organizer)
            for reply in loop.run(core.dispatcher.dispatch(Invocation(actor, place, line, clock.now()))):
                replies.append((line, reply))

        try:
            long_name = "W" * 80
            say("olivia", "channel link announcements", organizer=True)
            say("olivia", "channel link reminders", organizer=True)
            roles = ",".join(f"role{i}=1" for i in range(MAX_ROLES))
            for i in range(60):
                say("olivia", f'event add {"T" * 190} {i} when:"Dec {1 + i % 28} {1 + i % 11}pm" '
                              f'where:"{"L" * 150}" about:"{"A" * 1990}" link:"https://e.org/{"x" * 400}" '
                              f'roles:"{roles}" remind:"3d,1d,6h,2h,1h,10m"', organizer=True)
            for i in range(40):
                say("olivia", f'petition add "{"P" * 55}{i:03d}" goal:100000000 link:"https://p.org/{"y" * 400}"',
                    organizer=True)
                say("olivia", f'announce {"N" * 1700} at:"Dec 20 9am"', organizer=True)
            for person in range(45):
                for event in range(1, 61, 3):
                    say(f"p{person}", f"signup {event} role{person % MAX_ROLES}", display=long_name + str(person))
            refused = [(line[:40], reply.text[:120]) for line, reply in replies if reply.is_error]
            assert not refused, refused  # the campaign really is at its maximum, not empty
            for line in ("events", "event 1", "mine", "roster 1", "petition", "announcements", "deliveries",
                         "deliveries pending", "help", "calendar", *(f"help {name}" for name in NAMES)):
                say("p1", line, organizer=True, display=long_name)
            assert not [r for line, r in replies if "went wrong" in r.text]
            problems = {}
            for line, reply in replies:
                try:
                    check_reply(reply, line, max_text=MAX_REPLY)
                except AssertionError as exc:
                    problems.setdefault(line[:20], f"{len(reply.text)} chars: " + str(exc).replace("\n", " ")[:100])
            assert not problems, problems
        finally:
            loop.run(core.close())


@pytest.mark.parametrize(("setup", "pad", "line"), [
    ('petition add "{i:02d} {pad}" goal:1000 link:"https://p.org/{link}"', 50, "petition"),
    ('announce {i:02d} {pad} at:"Dec 20 9am"', 200, "announcements"),
], ids=["petition", "announcements"])
def test_long_listings_stay_within_4000_characters(tmp_path: Path, setup: str, pad: int, line: str) -> None:
    with asyncio.Runner() as loop:
        clock = FakeClock(START)
        core = loop.run(Core.open(make_config(), db_path=tmp_path / "list.db", clock=clock))
        olivia = Actor("test", "olivia", "Olivia", is_organizer=True)
        place = Place("test", "general", workspace_id="w1", channel_name="general")
        try:
            loop.run(core.dispatcher.dispatch(Invocation(olivia, place, "channel link announcements", START)))
            for i in range(20):
                text = setup.format(i=i, pad="P" * pad, link="y" * 400)
                [reply] = loop.run(core.dispatcher.dispatch(Invocation(olivia, place, text, START)))
                assert not reply.is_error, reply.text
            [reply] = loop.run(core.dispatcher.dispatch(Invocation(olivia, place, line, START)))
        finally:
            loop.run(core.close())
    assert len(reply.text) <= MAX_REPLY, f"`{line}` with 20 rows: {len(reply.text)} characters"
