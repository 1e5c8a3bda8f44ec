"""parse_ics on small hand-written calendars, and the feed served by a fake CivicPlus site."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sources_fakes import COUNCIL_FEED, COUNCIL_UID, Recorder, ics, ics_app

from tasks.sources import CalendarError, Meeting, SourceError, fetch_url, parse_ics
from tasks.sources.ics_text import drop_merged_timezones, map_zone_names, split_line
from tasks.sources.tzids import iana_name
from tests.conftest import Serve

NEW_YORK = ZoneInfo("America/New_York")
WINDOW = {"window_start": datetime(2026, 1, 1, tzinfo=UTC), "window_end": datetime(2027, 1, 1, tzinfo=UTC)}


def parse(data: bytes, *, tz: ZoneInfo = NEW_YORK, **window: datetime) -> list[Meeting]:
    return parse_ics(data, name="test.ics", default_tz=tz, **(window or WINDOW))


def event(*lines: str, uid: str = "e1@test") -> bytes:
    return ics("BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "BEGIN:VEVENT", f"UID:{uid}", *lines,
               "END:VEVENT", "END:VCALENDAR")


def local(meeting: Meeting) -> datetime:
    return meeting.start.astimezone(NEW_YORK)


# -- the council feed over HTTP ------------------------------------------------------------------


async def test_council_feed_from_a_fake_site(serve: Serve, recorder: Recorder, session: aiohttp.ClientSession) -> None:
    base = await serve(ics_app(recorder, {"/common/modules/iCalendar/iCalendar.aspx": COUNCIL_FEED}))
    url = f"{base}/common/modules/iCalendar/iCalendar.aspx?catID=29&feed=calendar"
    meetings = parse_ics(
        await fetch_url(url, session=session, timeout=5, max_bytes=1_000_000), name=url, default_tz=NEW_YORK, **WINDOW
    )
    council = [m for m in meetings if m.source_id.startswith(COUNCIL_UID)]
    # 24 first/third Mondays in 2026, less Labor Day (EXDATE); the work session is the 24th meeting.
    assert len(council) == 23 and len(meetings) == 24
    assert all(m.source == url for m in meetings)

    by_day = {local(m).date().isoformat(): m for m in council}
    assert "2026-09-07" not in by_day
    # 7 p.m. local on both sides of both DST changes (Mar 8 and Nov 1 2026), so the UTC hour moves.
    assert by_day["2026-03-02"].start == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
    assert by_day["2026-03-16"].start == datetime(2026, 3, 16, 23, 0, tzinfo=UTC)
    assert by_day["2026-10-19"].start == datetime(2026, 10, 19, 23, 0, tzinfo=UTC)
    assert by_day["2026-11-16"].start == datetime(2026, 11, 17, 0, 0, tzinfo=UTC)
    moved = by_day.pop("2026-11-04")
    assert all(local(m).hour == 19 and local(m).weekday() == 0 for m in by_day.values())
    assert all(m.end - m.start == timedelta(hours=2) for m in council)

    # The moved meeting keeps the id of the occurrence it replaces (Nov 2, 7 p.m. EST).
    assert (local(moved).hour, moved.title) == (18, "City Council Regular Meeting (Wednesday, after Election Day)")
    assert moved.source_id == f"{COUNCIL_UID}/20261103T000000Z"
    assert moved.status == "confirmed"

    cancelled = by_day["2026-04-20"]
    assert cancelled.status == "cancelled" and cancelled.cancelled
    assert [m for m in council if m.cancelled] == [cancelled]

    work = next(m for m in meetings if m.source_id == "work-session-20260312@durhamnc.gov")
    assert work.status == "cancelled"  # only its title says so
    assert work.end - work.start == timedelta(hours=2)  # no DTEND

    regular = by_day["2026-01-05"]
    assert regular.location == "Council Chambers, 101 City Hall Plaza, Durham, NC 27701"
    assert regular.description.startswith("Public comment sign-up closes at 6:45 p.m.\nAgendas are posted")
    assert regular.description.endswith("folded more than once by the server.")
    assert regular.links == (("Details", "https://www.durhamnc.gov/council"),)
    assert meetings == sorted(meetings, key=lambda m: m.start)


async def test_council_feed_ids_are_stable_across_windows() -> None:
    """Re-importing with a later window must give the same id to the same occurrence."""
    early = {m.start: m.source_id for m in parse(COUNCIL_FEED)}
    later = parse(
        COUNCIL_FEED, window_start=datetime(2026, 6, 1, tzinfo=UTC), window_end=datetime(2027, 6, 1, tzinfo=UTC)
    )
    assert later and all(early[m.start] == m.source_id for m in later if m.start in early)
    assert len({m.source_id for m in later}) == len(later)


async def test_feed_404_is_a_source_error(serve: Serve, recorder: Recorder, session: aiohttp.ClientSession) -> None:
    base = await serve(ics_app(recorder, {}))
    with pytest.raises(SourceError, match="answered HTTP 404"):
        await fetch_url(f"{base}/calendar.ics", session=session, timeout=5, max_bytes=1000)


# -- times and zones -----------------------------------------------------------------------------


def test_floating_time_is_in_the_default_zone() -> None:
    [meeting] = parse(event("DTSTART:20260706T190000", "SUMMARY:Canvass"), tz=ZoneInfo("America/Chicago"))
    assert meeting.start == datetime(2026, 7, 7, 0, 0, tzinfo=UTC)


def test_floating_time_uses_the_calendars_own_zone_when_it_names_one() -> None:
    data = ics("BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x", "X-WR-TIMEZONE:Europe/Berlin", "BEGIN:VEVENT",
               "UID:x", "DTSTART:20260706T190000", "END:VEVENT", "END:VCALENDAR")
    [meeting] = parse(data)
    assert meeting.start == datetime(2026, 7, 6, 17, 0, tzinfo=UTC)


def test_utc_times() -> None:
    [meeting] = parse(event("DTSTART:20260706T230000Z", "DTEND:20260707T003000Z"))
    assert meeting.start == datetime(2026, 7, 6, 23, tzinfo=UTC)
    assert meeting.end == datetime(2026, 7, 7, 0, 30, tzinfo=UTC)
    assert meeting.start.tzinfo is UTC


def test_an_end_before_the_start_keeps_the_start_and_the_usual_length() -> None:
    [meeting] = parse(event("DTSTART:20261208T183000", "DTEND:20261207T210000", "SUMMARY:Budget hearing"))
    assert local(meeting) == datetime(2026, 12, 8, 18, 30, tzinfo=NEW_YORK)
    assert meeting.end - meeting.start == timedelta(hours=2)


def test_windows_zone_name_wins_over_its_one_rule_vtimezone() -> None:
    """Exchange's VTIMEZONE here knows no DST; the IANA zone does, so July is EDT."""
    data = ics(
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:Microsoft Exchange Server 2010",
        "BEGIN:VTIMEZONE", "TZID:Eastern Standard Time", "BEGIN:STANDARD", "DTSTART:16010101T020000",
        "TZOFFSETFROM:-0500", "TZOFFSETTO:-0500", "END:STANDARD", "END:VTIMEZONE",
        "BEGIN:VEVENT", "UID:w1", "DTSTART;TZID=Eastern Standard Time:20260706T190000",
        "DTEND;TZID=Eastern Standard Time:20260706T210000", "SUMMARY:Board", "END:VEVENT", "END:VCALENDAR",
    )
    [meeting] = parse(data, tz=ZoneInfo("UTC"))
    assert meeting.start == datetime(2026, 7, 6, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tzid", "utc_hour"),
    [
        ('"(UTC-06:00) Central Time (US & Canada)"', 0),
        ("Pacific Standard Time", 2),
        ("/mozilla.org/20050126_1/America/Denver", 1),
        ("W. Europe Standard Time", 17),
    ],
)
def test_zone_aliases(tzid: str, utc_hour: int) -> None:
    [meeting] = parse(event(f"DTSTART;TZID={tzid}:20260706T190000"), tz=ZoneInfo("UTC"))
    assert meeting.start.hour == utc_hour


def test_zone_name_helpers() -> None:
    assert iana_name("Eastern Standard Time") == "America/New_York"
    assert iana_name(" GMT Standard Time ") == "Europe/London"
    assert iana_name("(UTC-05:00) Eastern Time (US & Canada)") == "America/New_York"
    assert iana_name("America/New_York") is None  # already IANA: left alone
    assert iana_name("Mars Standard Time") is None
    assert split_line('DTSTART;TZID="(UTC-05:00) Eastern":20260706T190000') == (
        "DTSTART", 'TZID="(UTC-05:00) Eastern"', "20260706T190000"
    )
    assert map_zone_names(["DESCRIPTION:TZID=Eastern Standard Time is text, not a parameter"]) == [
        "DESCRIPTION:TZID=Eastern Standard Time is text, not a parameter"
    ]


def test_merged_vtimezone_is_dropped_and_events_still_read() -> None:
    lines = ["BEGIN:VCALENDAR", "BEGIN:VTIMEZONE", "TZID:UTC", "BEGIN:STANDARD", "END:STANDARD",
             "TZID:America/Chicago", "BEGIN:DAYLIGHT", "END:DAYLIGHT", "END:VTIMEZONE", "END:VCALENDAR"]
    assert drop_merged_timezones(lines) == ["BEGIN:VCALENDAR", "END:VCALENDAR"]
    data = ics(
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//The Events Calendar//EN",
        "BEGIN:VTIMEZONE", "TZID:UTC", "BEGIN:STANDARD", "TZOFFSETFROM:+0000", "TZOFFSETTO:+0000",
        "DTSTART:20240101T000000", "END:STANDARD", "TZID:America/Chicago", "BEGIN:DAYLIGHT", "TZOFFSETFROM:-0600",
        "TZOFFSETTO:-0500", "DTSTART:20240310T080000", "END:DAYLIGHT", "END:VTIMEZONE",
        "BEGIN:VEVENT", "UID:c1", "DTSTART;TZID=America/Chicago:20260706T190000", "END:VEVENT", "END:VCALENDAR",
    )
    [meeting] = parse(data)
    assert meeting.start == datetime(2026, 7, 7, 0, 0, tzinfo=UTC)


def test_all_day_event() -> None:
    [meeting] = parse(event("DTSTART;VALUE=DATE:20260704", "SUMMARY:Independence Day"))
    assert meeting.all_day
    assert meeting.start == datetime(2026, 7, 4, 4, 0, tzinfo=UTC)  # local midnight
    assert meeting.end == datetime(2026, 7, 5, 4, 0, tzinfo=UTC)


def test_an_all_day_date_is_that_date_in_the_campaigns_zone_whatever_the_feed_says() -> None:
    data = ics("BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x", "X-WR-TIMEZONE:UTC", "BEGIN:VEVENT", "UID:x",
               "DTSTART;VALUE=DATE:20261208", "SUMMARY:Budget vote", "END:VEVENT",
               "BEGIN:VEVENT", "UID:y", "DTSTART:20261208T190000", "END:VEVENT", "END:VCALENDAR")
    dated, timed = parse(data)
    assert dated.all_day and (local(dated), dated.end.astimezone(NEW_YORK)) == (
        datetime(2026, 12, 8, tzinfo=NEW_YORK), datetime(2026, 12, 9, tzinfo=NEW_YORK))
    assert timed.start == datetime(2026, 12, 8, 19, tzinfo=UTC)  # a floating time is still the feed's


def test_rdate_and_exdate() -> None:
    meetings = parse(event(
        "DTSTART;TZID=America/New_York:20260105T190000", "RDATE;TZID=America/New_York:20260112T190000,20260601T190000",
        "EXDATE;TZID=America/New_York:20260112T190000",
    ))
    assert [local(m).date().isoformat() for m in meetings] == ["2026-01-05", "2026-06-01"]
    assert [local(m).hour for m in meetings] == [19, 19]


def test_empty_exdate_is_ignored() -> None:
    meetings = parse(event("DTSTART;VALUE=DATE:20260301", "RRULE:FREQ=DAILY;COUNT=3", "EXDATE;VALUE=DATE:"))
    assert len(meetings) == 3


def test_events_that_reuse_a_uid_are_all_kept_with_stable_ids() -> None:
    data = ics(
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:x",
        "BEGIN:VEVENT", "UID:board", "DTSTART:20260706T230000Z", "SUMMARY:Board, July", "END:VEVENT",
        "BEGIN:VEVENT", "UID:board", "DTSTART:20260806T230000Z", "SUMMARY:Board, August", "END:VEVENT",
        "END:VCALENDAR",
    )
    meetings = parse(data)
    assert [(m.source_id, m.title) for m in meetings] == [
        ("board@20260706T230000Z", "Board, July"), ("board@20260806T230000Z", "Board, August")
    ]
    narrow = parse(data, window_start=datetime(2026, 8, 1, tzinfo=UTC), window_end=datetime(2026, 9, 1, tzinfo=UTC))
    assert [m.source_id for m in narrow] == ["board@20260806T230000Z"]


# -- cancellation words ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("summary", "status"),
    [
        ("Planning Board (CANCELLED)", "cancelled"),
        ("Planning Board - Canceled", "cancelled"),
        ("POSTPONED: Budget hearing", "cancelled"),
        ("Budget hearing rescheduled to May 4", "cancelled"),
        ("Cancellation Appeals Board", "confirmed"),
        ("Planning Board", "confirmed"),
    ],
)
def test_cancellation_in_the_title(summary: str, status: str) -> None:
    [meeting] = parse(event("DTSTART:20260706T230000Z", f"SUMMARY:{summary}"))
    assert meeting.status == status


def test_status_values() -> None:
    [tentative] = parse(event("DTSTART:20260706T230000Z", "STATUS:TENTATIVE"))
    [cancelled] = parse(event("DTSTART:20260706T230000Z", "STATUS:CANCELLED", "SUMMARY:Board"))
    assert (tentative.status, cancelled.status) == ("tentative", "cancelled")


# -- whole-file failures -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "complaint"),
    [
        (b"", "is empty"),
        (b"<html><body>Calendar moved</body></html>", "not an iCalendar file"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\nX\r\nEND:VCALENDAR\r\n", "not a readable calendar"),
        (event("SUMMARY:No start"), "has no start time"),
        (event("DTSTART:20260706T230000Z", "RRULE:FREQ=SOMETIMES"), "unreadable RRULE"),
        (event("DTSTART:20260706T230000Z", "RRULE:COUNT=3"), "cannot be worked out"),
        (event("DTSTART:20260706T230000Z", "RRULE:FREQ=DAILY;INTERVAL=0"), "interval of 0"),
        (event("DTSTART:20260706T230000Z", "X"), "line that cannot be read"),
        (event("DTSTART:2026-07-06"), "unreadable DTSTART"),
    ],
)
def test_unreadable_files_name_the_file(data: bytes, complaint: str) -> None:
    with pytest.raises(CalendarError) as caught:
        parse_ics(data, name="council.ics", default_tz=NEW_YORK, **WINDOW)
    assert caught.value.message.startswith("council.ics")
    assert complaint in caught.value.message
    assert "Traceback" not in caught.value.message


def test_runaway_rules_are_refused() -> None:
    with pytest.raises(CalendarError, match="more than 100 meetings"):
        parse_ics(event("DTSTART:20260706T230000Z", "RRULE:FREQ=HOURLY"), name="x.ics", default_tz=NEW_YORK,
                  max_occurrences=100, **WINDOW)


def test_naive_window_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_ics(COUNCIL_FEED, name="x", window_start=datetime(2026, 1, 1), window_end=datetime(2027, 1, 1),
                  default_tz=NEW_YORK)


def test_meeting_insists_on_utc() -> None:
    start = datetime(2026, 7, 6, 19, tzinfo=NEW_YORK)
    with pytest.raises(ValueError, match="UTC"):
        Meeting("x", "t", start, start, False, "", "", (), "confirmed", "s")
