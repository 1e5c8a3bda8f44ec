"""Bad input gets one friendly line, changes nothing, and never shows a traceback."""

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.catalog import build_registry
from bot.export import export_data
from bot.markup import to_plain
from tests.conftest import Bot

BAD = [
    ("dance", "don't know the command"),
    ("signup", "Usage: `signup <event> [role]`"),
    ("signup 1 2 3", "didn't expect"),
    ("signup 99", "no event #99"),
    ("cancel 1", "not signed up"),
    ("event 1; DROP TABLE events;--", "didn't expect `DROP TABLE events;--`"),
    ("event 1;DROP", "not an event id"),
    ("signup 1' OR '1'='1", "didn't expect"),
    ("event add x when:someday", "can't read `someday`"),
    ("event add  when:mon 7pm", "needs <title>"),
    ("event add " + "x" * 300 + " when:mon 7pm", "too long"),
    ("announce " + "y" * 2000, "too long"),
    ("event add x when:mon 7pm link:javascript:alert(1)", "not a web link"),
    ("event add x when:mon 7pm link:http://[::1/a", "not a web link"),
    ('event add x when:"9999-12-31 23:59"', "too far from today"),
    ('event add x when:"0001-01-01 00:00"', "too far from today"),
    ('event add x when:"2099-12-31 10:00"', "too far from today"),
    ('announce x at:"9999-12-31 23:00"', "too far from today"),
    ('event edit 1 when:"9999-12-31 22:00"', "too far from today"),
    ('event add x when:mon 7pm roles:"speaker=5,speaker"', "listed twice"),
    ('event add x when:mon 7pm roles:"Bad Role"', "not a role name"),
    ("event add x when:mon 7pm spots:5 roles:a", "either"),
    ("tz ../../etc/passwd", "not a time zone"),
    ("event add x when:mon 7pm duration:99999999999999999999d", "longer than a year"),
    ("petition nope", "no petition called"),
    ("petition set resolution -5", "at least 0"),
    ("help nothing", "no command `nothing`"),
    ("signup 1\x00", "control characters"),
    ("@everyone signup 1", "don't know the command `@everyone`"),
]


async def _state(bot: Bot) -> dict:  # type: ignore[type-arg]
    return await export_data(bot.core.store, bot.core.config.campaign.tz)


@pytest.mark.parametrize(("line", "problem"), BAD)
async def test_bad_input_is_answered_in_one_line_and_changes_nothing(bot: Bot, line: str, problem: str) -> None:
    await bot.say("olivia", "event add Canvass when:Dec 12 10am spots:3")
    await bot.say("olivia", "petition add resolution goal:1000")
    before = await _state(bot)
    replies = await bot.ask("olivia", line)
    assert len(replies) == 1 and replies[0].is_error
    assert problem in to_plain(replies[0].text)
    assert "Traceback" not in replies[0].text
    assert await _state(bot) == before
    assert bot.sent == []


async def test_user_text_that_looks_like_markup_or_mentions_stays_literal(bot: Bot) -> None:
    await bot.say("olivia", "event add **Free** pizza [click](https://evil.example) @everyone when:Dec 12 10am")
    [reply] = await bot.ask("ann", "events")
    assert r"\*\*Free\*\* pizza \[click\]\(https://evil.example\) @everyone" in reply.text


async def test_titles_in_error_replies_are_inert_too(bot: Bot) -> None:
    await bot.say("olivia", "event add [vote here](https://evil.example) **now** when:Dec 12 10am")
    await bot.say("olivia", "event cancel 1")
    [reply] = await bot.ask("ann", "signup 1")
    assert reply.is_error
    assert r"(\[vote here\]\(https://evil.example\) \*\*now\*\*) was cancelled" in reply.text
    assert to_plain(reply.text).endswith("([vote here](https://evil.example) **now**) was cancelled.")


async def test_an_unexpected_error_becomes_an_apology_with_an_incident_id(bot: Bot, caplog) -> None:  # type: ignore[no-untyped-def]
    async def broken(ctx, args):  # type: ignore[no-untyped-def]
        raise KeyError("secret internals")

    command = bot.core.registry.get("help")
    assert command is not None
    bot.core.registry.commands["help"] = replace(command, handler=broken)
    [reply] = await bot.ask("ann", "help private note")
    assert reply.is_error and "incident" in reply.text
    assert "secret internals" not in reply.text
    assert "secret internals" in caplog.text and "'help'" in caplog.text
    assert "private note" not in caplog.text  # what people type stays out of the log


COMMAND_WORDS = [c.name for c in build_registry()]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.text(max_size=200),
        st.tuples(st.sampled_from(COMMAND_WORDS), st.text(max_size=120)).map(" ".join),
        st.tuples(st.sampled_from(COMMAND_WORDS), st.lists(
            st.sampled_from(["1", "#1", "speaker", "when:mon 7pm", 'roles:"a=1"', "spots:2", "x:y", '"', "on",
                             "9" * 30, "-1", "\u202e", "<@123>", "<!channel>", "resolution"]), max_size=6,
        )).map(lambda t: " ".join([t[0], *t[1]])),
    )
)
async def test_no_line_makes_the_dispatcher_raise(bot: Bot, line: str) -> None:
    # One store for every example, on purpose: later lines meet the events, petitions and people earlier
    # ones made, as a real campaign's would. A failure that needs that history shows up as Hypothesis's
    # "Flaky" error (still a failure), with the failing line in its report.
    replies = await bot.ask("olivia", line)
    assert replies
    for reply in replies:
        assert "incident" not in reply.text, line
        assert len(reply.text) <= 4000


async def test_slips_in_command_names_are_answered_with_the_command_meant_and_change_nothing(bot: Bot) -> None:
    await bot.say("olivia", "event add Canvass when:sat 10am spots:2")
    cancel = await bot.say("olivia", "event cancle 1 Rain")
    assert "Did you mean `event cancel`?" in cancel and "Usage: `event cancel <event> [reason]`" in cancel
    assert "Did you mean `signup`?" in await bot.say("ann", "sign up 1")
    assert "Did you mean `spots:`?" in await bot.say("olivia", "event edit 1 spost:5")
    listing = await bot.say("ann", "event 1")
    assert "CANCELLED" not in listing and "0/2" in listing  # nothing was cancelled, changed or signed up


async def test_a_volunteer_sending_an_organizer_command_hears_only_that_it_is_for_organizers(bot: Bot) -> None:
    for line in ("event add X when:mon 7pm duration:99999999999999999999d", "event add X when:mon 7pm spots:-3"):
        [reply] = await bot.ask("ann", line)
        assert reply.is_error and to_plain(reply.text) == "Not allowed: `event add` is for organizers only."
