from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import Event
from bot.errors import UsageError
from bot.timeparse import (
    clock_note,
    format_when,
    from_iso,
    iso_utc,
    localize,
    morning_note,
    other_half,
    parse_duration,
    parse_offsets,
    parse_when,
    zone,
)
from bot.views import when_text

NY = ZoneInfo("America/New_York")
# Friday 27 Nov 2026, 12:00 in New York.
NOW = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)


def local(text: str) -> str:
    return parse_when(text, now=NOW, tz=NY).astimezone(NY).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-12-07 19:00", "2026-12-07 19:00"),
        ("2026-12-07T19:00", "2026-12-07 19:00"),
        ("Dec 7 7pm", "2026-12-07 19:00"),
        ("December 7, 7:30 PM", "2026-12-07 19:30"),
        ("7 dec 19:00", "2026-12-07 19:00"),
        ("12/7 7pm", "2026-12-07 19:00"),
        ("tomorrow 18:30", "2026-11-28 18:30"),
        ("tonight 9pm", "2026-11-27 21:00"),
        ("mon 7pm", "2026-11-30 19:00"),
        ("Monday at 7 p.m.", "2026-11-30 19:00"),
        ("fri 11am", "2026-12-04 11:00"),  # Friday morning has passed: next Friday
        ("fri 5pm", "2026-11-27 17:00"),  # still ahead today
        ("next fri 5pm", "2026-12-04 17:00"),
        ("Jan 5 6pm", "2027-01-05 18:00"),  # no year: the next one
        ("noon tomorrow", "2026-11-28 12:00"),
        ("3pm", "2026-11-27 15:00"),
        ("11am", "2026-11-28 11:00"),  # a bare time that passed today means tomorrow
    ],
)
def test_typed_times_are_read_in_the_campaign_zone(typed: str, expected: str) -> None:
    assert local(typed) == expected


def test_an_explicit_offset_wins_over_the_campaign_zone() -> None:
    assert parse_when("2026-12-07T19:00:00+00:00", now=NOW, tz=NY) == datetime(2026, 12, 7, 19, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", "empty"),
        ("yesterday", "can't read"),
        ("Dec 7", "no time of day"),
        ("Feb 30 7pm", "not a date"),
        ("25:00", "not a time"),
        ("13pm mon", "not a time"),
        ("x" * 100, "too long"),
        ("mon 7", "alone is not a time of day"),
    ],
)
def test_unreadable_times_name_the_problem(typed: str, problem: str) -> None:
    with pytest.raises(UsageError) as err:
        parse_when(typed, now=NOW, tz=NY)
    assert problem in err.value.message


def test_until_with_only_a_time_uses_the_start_day() -> None:
    start = parse_when("Dec 7 7pm", now=NOW, tz=NY)
    end = parse_when("9pm", now=NOW, tz=NY, day=start.astimezone(NY).date())
    assert end - start == timedelta(hours=2)


def test_a_time_skipped_by_spring_forward_moves_ahead_like_clocks_do() -> None:
    # 2026-03-08 02:30 does not exist in New York; it becomes 03:30 EDT.
    instant = localize(datetime(2026, 3, 8).date(), datetime(2026, 3, 8, 2, 30).time(), NY)
    assert instant.astimezone(NY).strftime("%H:%M %Z") == "03:30 EDT"


def test_an_ambiguous_fall_back_time_means_the_first_one() -> None:
    instant = localize(datetime(2026, 11, 1).date(), datetime(2026, 11, 1, 1, 30).time(), NY)
    assert instant == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT


@pytest.mark.parametrize(("typed", "minutes"), [("2h", 120), ("90m", 90), ("1h30m", 90), ("1d", 1440),
                                                 ("2 hours", 120), ("45 min", 45)])
def test_durations(typed: str, minutes: int) -> None:
    assert parse_duration(typed) == timedelta(minutes=minutes)


@pytest.mark.parametrize("typed", ["", "0h", "2x", "h", "-1h", "400d"])
def test_bad_durations_are_refused(typed: str) -> None:
    with pytest.raises(UsageError):
        parse_duration(typed)


def test_reminder_offsets_are_distinct_and_largest_first() -> None:
    assert parse_offsets("1h, 3d,1d,1h") == [timedelta(days=3), timedelta(days=1), timedelta(hours=1)]


def test_times_are_shown_in_the_readers_zone() -> None:
    instant = datetime(2026, 12, 8, 0, 0, tzinfo=UTC)
    assert format_when(instant, NY, now=NOW) == "Mon, Dec 7 · 7:00 PM EST"
    assert format_when(instant, ZoneInfo("America/Los_Angeles"), now=NOW) == "Mon, Dec 7 · 4:00 PM PST"
    assert format_when(instant, ZoneInfo("Europe/Berlin"), now=NOW) == "Tue, Dec 8 · 1:00 AM CET"


@given(st.text(max_size=80))
def test_any_text_either_parses_or_raises_a_usage_error(text: str) -> None:
    try:
        result = parse_when(text, now=NOW, tz=NY)
    except UsageError:
        return
    assert result.tzinfo is not None


def test_zone_names_are_read_in_any_capitalisation() -> None:
    assert zone("america/chicago").key == "America/Chicago"
    assert zone(" utc ").key == "UTC"


@pytest.mark.parametrize("typed, place", [("EST", "America/New_York"), ("pdt", "America/Los_Angeles"),
                                          ("MST", "America/Phoenix"), ("Central", "America/Chicago")])
def test_a_clock_abbreviation_is_refused_with_the_place_to_use(typed: str, place: str) -> None:
    # IANA's own "EST" is a fixed offset: a July event would show an hour off.
    with pytest.raises(UsageError, match=place):
        zone(typed)


def test_a_date_written_the_way_it_is_shown_reads_back() -> None:
    shown = format_when(datetime(2026, 12, 8, 0, 0, tzinfo=UTC), NY)
    assert shown == "Mon, Dec 7 · 7:00 PM EST"
    assert parse_when(shown, now=NOW, tz=NY) == datetime(2026, 12, 8, 0, 0, tzinfo=UTC)
    assert parse_when("Mon, Dec 7 · 7:00 PM", now=NOW, tz=NY) == datetime(2026, 12, 8, 0, 0, tzinfo=UTC)
    with pytest.raises(UsageError, match="on EDT then, not EST"):
        parse_when("Jul 4 7pm EST", now=NOW, tz=NY)
    assert parse_when("Mon Dec 7 7pm", now=NOW, tz=NY) == datetime(2026, 12, 8, 0, 0, tzinfo=UTC)
    with pytest.raises(UsageError, match="Dec 7 2026 is a Monday, not a Tuesday"):
        parse_when("tue dec 7 7pm", now=NOW, tz=NY)


def test_an_event_across_the_fall_back_change_shows_both_zones() -> None:
    def event(starts: datetime, hours: int) -> Event:
        return Event(1, "Vigil", "event", starts, starts + timedelta(hours=hours), "", "", "", "scheduled", None,
                     None, None)

    night = event(datetime(2026, 11, 1, 5, 30, tzinfo=UTC), 2)  # two hours, 1:30 AM EDT to 2:30 AM EST
    assert when_text(night, NY, NOW) == "Sun, Nov 1 · 1:30 AM EDT–2:30 AM EST"
    evening = event(datetime(2026, 12, 8, 0, 0, tzinfo=UTC), 2)
    assert when_text(evening, NY, NOW) == "Mon, Dec 7 · 7:00 PM–9:00 PM EST"


def test_an_event_past_midnight_or_over_whole_days_shows_its_end() -> None:
    def event(starts: datetime, ends: datetime) -> Event:
        return Event(1, "Vigil", "event", starts, ends, "", "", "", "scheduled", None, None, None)

    def local(*args: int) -> datetime:
        return datetime(*args, tzinfo=NY)

    overnight = event(local(2026, 12, 10, 22), local(2026, 12, 11, 2))
    assert when_text(overnight, NY, NOW) == "Thu, Dec 10 · 10:00 PM – Fri, Dec 11 · 2:00 AM EST"
    assert when_text(event(local(2026, 12, 15), local(2026, 12, 16)), NY, NOW) == "Tue, Dec 15 (all day)"
    three_days = event(local(2026, 12, 31), local(2027, 1, 3))
    assert when_text(three_days, NY, NOW) == "Thu, Dec 31 – Sat, Jan 2 2027 (all day)"
    # Seen from another zone, the same whole days are times again.
    assert when_text(event(local(2026, 12, 15), local(2026, 12, 16)), ZoneInfo("America/Los_Angeles"), NOW) == (
        "Mon, Dec 14 · 9:00 PM – Tue, Dec 15 · 9:00 PM PST")
    # Unless the campaign's zone is named: its dates are everyone's; and only its zone makes a day whole.
    la, berlin = ZoneInfo("America/Los_Angeles"), ZoneInfo("Europe/Berlin")
    assert when_text(event(local(2026, 12, 15), local(2026, 12, 16)), la, NOW, home=NY) == "Tue, Dec 15 (all day)"
    vigil = event(local(2026, 12, 15, 18), local(2026, 12, 16, 18))  # midnight to midnight in Berlin
    assert when_text(vigil, berlin, NOW, home=NY) == "Wed, Dec 16 · 12:00 AM – Thu, Dec 17 · 12:00 AM CET"


@pytest.mark.parametrize(("typed", "note"), [
    ("2027-03-14 2:30am", "There is no 2:30 AM on Sun, Mar 14 2027 (the clocks go forward), so it is 3:30 AM EDT."),
    ("2027-03-14T02:30", "There is no 2:30 AM on Sun, Mar 14 2027 (the clocks go forward), so it is 3:30 AM EDT."),
    ("Nov 7 2027 1:30am", "1:30 AM comes twice on Sun, Nov 7 2027 (the clocks go back); this is the first, EDT."),
    ("2027-03-14 3:30am", None),  # typed as it is: nothing to say
    ("Dec 8 7pm", None),
    ("2027-03-14T02:30-05:00", None),  # an offset of its own: no wall-clock time was typed
])
def test_a_typed_time_the_clocks_skip_or_repeat_gets_a_note(typed: str, note: str | None) -> None:
    assert clock_note(typed, parse_when(typed, now=NOW, tz=NY), NY, now=NOW) == note


@given(st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=st.sampled_from(
    [UTC, NY, ZoneInfo("Asia/Kolkata"), ZoneInfo("Australia/Lord_Howe")])))
def test_the_stored_form_of_an_instant_is_its_utc_second(instant: datetime) -> None:
    # iso_utc formats each second once (a crowd stamps the same few thousands of times): the cache
    # must give what formatting the instant itself gives: folds, far zones, pre-1970 and far-future
    # instants a microsecond before the next second included.
    assert iso_utc(instant) == instant.astimezone(UTC).isoformat(timespec="seconds")[:19] + "Z"
    late = instant.replace(microsecond=999_999)
    assert iso_utc(late) == late.astimezone(UTC).isoformat(timespec="seconds")[:19] + "Z"
    assert from_iso(iso_utc(instant)) == instant.astimezone(UTC).replace(microsecond=0)


def test_a_naive_time_is_refused_not_stored_as_the_servers_local_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        iso_utc(datetime(2026, 12, 7, 19, 0))


@pytest.mark.parametrize(("typed", "hint"), [
    ("tomorrow 10", "`10` alone is not a time of day: write `10am`, `10pm` or `10:00`."),
    ("mon 7", "`7` alone is not a time of day: write `7am`, `7pm` or `7:00`."),
    ("Dec 7 19", "`19` alone is not a time of day: write `19:00`."),
])
def test_an_hour_without_am_pm_or_minutes_is_answered_with_how_to_write_it(typed: str, hint: str) -> None:
    with pytest.raises(UsageError) as refused:
        parse_when(typed, now=NOW, tz=NY)
    assert refused.value.message == hint


@pytest.mark.parametrize(("typed", "other"), [
    ("9:30", "21:30"), ("Dec 7 7:00", "Dec 7 19:00"), ("tomorrow  11:59:30", "tomorrow 23:59:30"), ("12:30", "0:30"),
    ("9:30pm", None), ("9:30 AM", None), ("09:30", None), ("21:30", None), ("9pm", None),
    ("Dec 7", None), ("2026-12-07 19:00", None),
])
def test_a_clock_hour_from_1_to_12_without_am_or_pm_has_a_reading_in_the_other_half_of_the_day(
        typed: str, other: str | None) -> None:
    assert other_half(typed) == other
    assert (morning_note(typed) is None) == (other is None or typed == "12:30")


def test_tonight_with_a_clock_time_is_the_evening() -> None:
    assert local("tonight 9:30") == "2026-11-27 21:30"
    assert local("tonight 9:30pm") == "2026-11-27 21:30"


def test_the_morning_note_says_how_to_write_the_evening() -> None:
    assert morning_note("Dec 7 7:00") == "`7:00` is read as 7:00 AM. For the evening, write `7:00pm` or `19:00`."
