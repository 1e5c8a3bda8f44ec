"""The text parser is pure: these tests need no store and no clock."""

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.catalog import build_registry
from bot.errors import UsageError
from bot.model import Button, action_from_button_id
from bot.textparse import RecentLines, _scan, bind_options, near_miss, parse_line, tokenize

REGISTRY = build_registry()


def parse(line: str):  # type: ignore[no-untyped-def]
    parsed = parse_line(line, REGISTRY)
    return parsed.command.name, parsed.args


def test_keyword_values_run_over_the_bare_words_after_them() -> None:
    name, args = parse("event add Council meeting when:Dec 7 7pm where:101 City Hall Plaza spots:5")
    assert name == "event add"
    assert args["title"] == "Council meeting"
    assert args["when"] == "Dec 7 7pm"
    assert args["where"] == "101 City Hall Plaza"
    assert args["spots"] == 5


def test_quotes_keep_spaces_and_colons_in_one_value() -> None:
    _, args = parse('/event add "Town hall: housing" when:"Dec 7 7pm" roles:"speaker=5,attendee"')
    assert args["title"] == "Town hall: housing"
    assert args["roles"] == "speaker=5,attendee"


def test_phone_curly_quotes_count_as_quotes() -> None:
    _, args = parse("event add Rally when:\u201cDec 7 7pm\u201d")
    assert args["when"] == "Dec 7 7pm"


def test_a_colon_in_free_text_is_not_a_keyword_unless_the_command_has_it() -> None:
    _, args = parse("announce Note: doors open at 6:30, link:https://x.org")
    assert args["text"] == "Note: doors open at 6:30, link:https://x.org"


def test_positional_params_can_also_be_named() -> None:
    assert parse("signup event:3 role:speaker")[1] == {"event": 3, "role": "speaker"}


def test_event_ids_accept_a_hash() -> None:
    assert parse("signup #12")[1]["event"] == 12


def test_longest_command_name_wins() -> None:
    assert parse("event 3")[0] == "event"
    assert parse("event cancel 3 rain")[1] == {"event": 3, "reason": "rain"}
    assert parse("EVENT ADD x when:mon 7pm")[0] == "event add"


def test_durations_and_offsets_are_converted() -> None:
    _, args = parse("event add x when:mon 7pm duration:90m remind:3d,1h")
    assert args["duration"] == timedelta(minutes=90)
    assert args["remind"] == [timedelta(days=3), timedelta(hours=1)]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("", "Type a command"),
        ("dance", "don't know the command"),
        ("signup", "needs <event>"),
        ("signup abc", "not an event id"),
        ("signup 0", "not an event id"),
        ("signup 3 speaker extra", "didn't expect"),
        ("reminders maybe", "not one of on, off"),
        ("event add x when:mon 7pm when:tue 7pm", "given twice"),
        ("event add x when:mon 7pm spots:0", "at least 1"),
        ("event add x when:", "empty"),
        ("signup 3\x07", "control characters"),
        ("x" * 5000, "too long"),
        ("petition set resolution 12abc", "not a whole number"),
    ],
)
def test_bad_lines_say_what_is_wrong(line: str, problem: str) -> None:
    with pytest.raises(UsageError) as err:
        parse(line)
    assert problem in err.value.message


def test_usage_comes_with_argument_errors() -> None:
    with pytest.raises(UsageError) as err:
        parse("signup")
    assert err.value.usage == "signup <event> [role]"


@pytest.mark.parametrize(
    ("line", "name", "value"),
    [
        ('announce Vote "yes" on Prop 5 — say "I support it"', "text", 'Vote "yes" on Prop 5 — say "I support it"'),
        ('announce "Big news" today', "text", 'Big news today'),  # leading quotes only group
        ('announce He said "meet at 5', "text", 'He said "meet at 5'),  # never closed: just a character
        ('event add Say "no" to cuts when:mon 7pm', "title", 'Say "no" to cuts'),
        ('event add "Pack the chambers" when:mon 7pm', "title", "Pack the chambers"),
        ('event add x when:mon 7pm where:"City Hall, room 2A"', "where", "City Hall, room 2A"),
        ('event add x when:mon 7pm about:Bring a "3-ring" binder', "about", 'Bring a "3-ring" binder'),
        ('event add x when:mon 7pm about: "Bring" a binder', "about", "Bring a binder"),
        ('event add "unclosed when:mon 7pm', "title", '"unclosed'),
    ],
)
def test_quotes_group_words_and_are_kept_inside_a_longer_text(line: str, name: str, value: str) -> None:
    assert parse(line)[1][name] == value


def test_tokenizer_keeps_quoted_segments_inside_a_token() -> None:
    tokens = tokenize('a when:"x y" "b c"')
    assert [t.text for t in tokens] == ["a", "when:x y", "b c"]
    assert [t.quoted for t in tokens] == [False, False, True]


@given(st.text(alphabet=st.characters(blacklist_characters='"'), max_size=60))
def test_a_line_without_quotes_splits_on_whitespace_exactly_as_the_scanner_does(line: str) -> None:
    assert tokenize(line) == _scan(line)


def test_a_button_id_parses_back_to_the_same_command() -> None:
    button = Button("Sign up: speaker", "signup 42 speaker")
    assert button.custom_id == "turnout:signup:42:speaker"
    action = action_from_button_id(button.custom_id)
    assert action == "signup 42 speaker"
    assert parse(action)[1] == {"event": 42, "role": "speaker"}


@pytest.mark.parametrize("custom_id", ["other:signup:1", "turnout:", "turnout:" + "x" * 200])
def test_foreign_or_oversized_button_ids_are_ignored(custom_id: str) -> None:
    assert action_from_button_id(custom_id) is None


def test_options_split_by_the_platform_are_checked_like_typed_values() -> None:
    command = REGISTRY.get("event add")
    assert command is not None
    args = bind_options(command, {"title": '«Pack» the "chambers"', "when": "Dec 7 7pm", "spots": 5})
    assert args["title"] == '«Pack» the "chambers"' and args["spots"] == 5 and args["where"] is None
    for options, problem in (
        ({"when": "Dec 7 7pm"}, "needs"),
        ({"title": "x", "when": "Dec 7 7pm", "colour": "red"}, "not an option"),
        ({"title": "x\u0007", "when": "Dec 7 7pm"}, "control characters"),
        ({"title": "x" * 5000, "when": "Dec 7 7pm"}, "too long"),
        ({"title": "x", "when": "Dec 7 7pm", "spots": "lots"}, "not a whole number"),
    ):
        with pytest.raises(UsageError, match=problem):
            bind_options(command, options)


@pytest.mark.parametrize(("line", "meant"), [
    ('event add Canvass when:"Dec 14 7pm" where:"City Hall" spost:5', "spots:"),
    ('event add Canvass when:"Dec 14 7pm" about:"Bring water" rols:"lead=1,door=4"', "roles:"),
    ('event add Canvass when:"Dec 14 7pm" rolse:speaker=2', "roles:"),  # not read into the date
    ("event edit 3 wehre:Nowhere", "where:"),
])
def test_a_misspelled_option_is_named_not_read_into_the_text_before_it(line: str, meant: str) -> None:
    with pytest.raises(UsageError, match=f"Did you mean `{meant}`"):
        parse_line(line, REGISTRY)


@pytest.mark.parametrize("line", [
    "announce Reminder: doors at 6, see https://example.org/council",
    "event add Canvass when:sat 10am about:Time: 7pm, Note: bring water",
])
def test_words_with_a_colon_that_are_no_near_miss_stay_text(line: str) -> None:
    parsed = parse_line(line, REGISTRY)
    assert any("Reminder:" in str(v) or "Time: 7pm" in str(v) for v in parsed.args.values())


@pytest.mark.parametrize(("words", "meant"), [
    ("sign up 3", "signup"), ("sign-up 3", "signup"), ("singup 3", "signup"), ("event cancle 3", "event cancel"),
    ("evnets", "events"), ("my events", None), ("join 3", None), ("event 99x", None), ("event delete 3", None),
    ("petition resolution", None),
])
def test_a_slip_in_a_command_name_is_answered_with_the_command_meant(words: str, meant: str | None) -> None:
    assert near_miss(words.split(), REGISTRY) == meant


def test_a_line_sent_again_is_parsed_as_the_first_time_and_each_caller_gets_its_own_arguments() -> None:
    lines = RecentLines()
    lines.keep("signup 3 speaker", parse_line("signup 3 speaker", REGISTRY))
    first = lines.get("signup 3 speaker")
    assert first is not None and (first.command.name, first.args) == ("signup", {"event": 3, "role": "speaker"})
    first.args["role"] = "changed by its caller"
    again = lines.get("signup 3 speaker")
    assert again is not None and again.args == {"event": 3, "role": "speaker"}


def test_recent_lines_keep_only_short_lines_of_remembered_commands_with_immutable_values() -> None:
    lines = RecentLines(size=2, longest=20)
    for line in ("checkin 1 quillon", "event add x when:mon 7pm", "signup 3 " + "r" * 20):
        lines.keep(line, parse_line(line, REGISTRY))  # a person's name; not remembered; too long
        assert line not in lines and lines.get(line) is None
    remembered = {name for name, command in REGISTRY.commands.items() if command.remembered}
    assert remembered == {"signup", "cancel", "claim", "confirm", "event"}  # none names a person
    for line in ("signup 1", "signup 2", "signup 3"):
        lines.keep(line, parse_line(line, REGISTRY))
    assert "signup 1" not in lines and "signup 2" in lines and "signup 3" in lines  # the oldest went first


@pytest.mark.parametrize(("line", "where"), [
    ("event add x when:mon 7pm where:'Town Hall'", "Town Hall"),
    ("event add x when:mon 7pm where:\u2018Town Hall\u2019", "Town Hall"),
    ("event add x when:mon 7pm where:Durham's Hall", "Durham's Hall"),
    ("event add x when:mon 7pm where:'Bull' City 'Hall'", "'Bull' City 'Hall'"),
    ("event add x when:mon 7pm where:''", "''"),
])
def test_single_quotes_around_a_whole_value_are_dropped_and_apostrophes_kept(line: str, where: str) -> None:
    assert parse(line)[1]["where"] == where


def test_a_time_in_single_quotes_is_a_time() -> None:
    assert parse("event add x when:'Dec 7 7pm' spots:3")[1]["when"] == "Dec 7 7pm"


def test_a_text_that_only_starts_and_ends_with_an_apostrophe_keeps_both() -> None:
    assert parse("event add 'Tis the season at the Smiths' when:mon 7pm")[1]["title"] == \
        "'Tis the season at the Smiths'"


@pytest.mark.parametrize(("line", "name", "args"), [
    ("signup 3.", "signup", {"event": 3, "role": None}), ("Signup #3!", "signup", {"event": 3, "role": None}),
    ("mine?", "mine", {}), ("help!", "help", {"command": None}), ("Reminders Off.", "reminders", {"state": "off"}),
])
def test_what_a_phone_leaves_after_a_number_or_a_word_is_not_part_of_it(line: str, name: str, args: dict) -> None:
    assert parse(line) == (name, args)


@pytest.mark.parametrize(("line", "answer"), [
    ("yes", "type `confirm`"), ("Yes!", "type `confirm`"), ("I’ll be there", "type `confirm`"),
    ("cant make it", "type `cancel`"), ("Can't make it.", "type `cancel`"), ("STOP", "`reminders off`"),
])
def test_a_reply_typed_to_a_reminder_is_answered_with_the_command_it_means(line: str, answer: str) -> None:
    with pytest.raises(UsageError) as refused:
        parse(line)
    assert answer in refused.value.message


def test_invisible_marks_pasted_with_a_line_are_dropped_and_direction_overrides_refused() -> None:
    assert parse("\ufeffsignup\u200b 3\u200e") == ("signup", {"event": 3, "role": None})
    with pytest.raises(UsageError, match="control characters"):
        parse("signup 3 \u202espeaker")


def test_joiners_that_words_need_are_kept_and_options_lose_invisible_marks_too() -> None:
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    assert parse(f"event add {persian} when:mon 7pm")[1]["title"] == persian
    signup = REGISTRY.get("signup")
    assert signup is not None
    assert bind_options(signup, {"event": "3", "role": "speaker\u200b"})["role"] == "speaker"
