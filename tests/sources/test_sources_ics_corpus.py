"""Every real-world calendar in shared/data/ics: read whole with sane times, or refused by name.

The files and what each exercises are described in shared/data/ics/SOURCES.md; the checks below
pick the facts that matter to a council-meeting importer from each one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tasks.sources import CalendarError, Meeting, parse_ics
from tests.conftest import ICS_CORPUS

FILES = sorted(ICS_CORPUS.glob("*.ics")) if ICS_CORPUS.is_dir() else []
DEFAULT_TZ = ZoneInfo("America/New_York")
WIDE = {"window_start": datetime(1990, 1, 1, tzinfo=UTC), "window_end": datetime(2031, 1, 1, tzinfo=UTC)}
BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")

Check = Callable[[list[Meeting]], None]


def _at(meetings: list[Meeting], tz: ZoneInfo) -> list[str]:
    return [m.start.astimezone(tz).strftime("%Y-%m-%d %H:%M") for m in meetings]


def _hpr(meetings: list[Meeting]) -> None:
    """RDATE list in UTC, no UID: 12 occurrences at 19:00Z, each with its own stable id."""
    assert len(meetings) == 12
    assert all(m.start.hour == 19 and m.start.minute == 0 for m in meetings)
    assert len({m.source_id for m in meetings}) == 12
    assert meetings[0].start == datetime(2013, 8, 3, 19, 0, tzinfo=UTC)


def _discourse(meetings: list[Meeting]) -> None:
    """No DTEND and no DURATION: two hours. A fold inside a ``\\n`` escape still unescapes."""
    assert len(meetings) == 4
    first = meetings[0]
    assert first.start == datetime(2019, 1, 17, 17, 0, 25, tzinfo=UTC)
    assert first.end - first.start == timedelta(hours=2)
    assert all("\\n" not in m.description for m in meetings)
    assert all(m.links == () for m in meetings)  # its URL: is relative, so not a link


def _exchange_monthly(meetings: list[Meeting]) -> None:
    """"Eastern Standard Time" read as America/New_York; a moved override keeps its RECURRENCE-ID."""
    assert len(meetings) == 7
    assert _at(meetings, NEW_YORK)[:3] == ["2022-03-09 13:00", "2022-04-13 10:30", "2022-05-11 13:00"]
    assert meetings[0].start == datetime(2022, 3, 9, 18, 0, tzinfo=UTC)  # EST
    assert meetings[2].start == datetime(2022, 5, 11, 17, 0, tzinfo=UTC)  # EDT
    moved = meetings[1]
    assert moved.title == "Recurring Event - Exception 2"
    assert moved.source_id.endswith("/20220413T170000Z")  # 13:00 EDT, where it used to be
    assert len({m.source_id for m in meetings}) == 7


def _exchange_windows(meetings: list[Meeting]) -> None:
    """Eight Windows zone names; a six-value EXDATE folded mid-value removes all six."""
    assert len(meetings) == 372
    test = next(m for m in meetings if m.title == "test")
    assert test.start == datetime(2020, 9, 10, 7, 0, tzinfo=UTC)  # W. Europe, summer: UTC+2
    pacific = [m for m in meetings if m.title == "Not the actual summary either"]
    days = {m.start.astimezone(ZoneInfo("America/Los_Angeles")).date() for m in pacific}
    assert all(m.start.astimezone(ZoneInfo("America/Los_Angeles")).hour == 12 for m in pacific)
    for excluded in ("2020-07-21", "2020-07-23", "2020-07-28", "2020-08-13", "2020-08-25", "2020-09-03"):
        assert date.fromisoformat(excluded) not in days
    assert date(2020, 7, 24) in days and date(2020, 7, 26) in days


def _google_allday(meetings: list[Meeting]) -> None:
    """Two all-day daily rules, one with an empty EXDATE: both read, the 11th excluded from both."""
    assert len(meetings) == 40 and all(m.all_day for m in meetings)
    days = [m.start.astimezone(DEFAULT_TZ).date() for m in meetings]
    assert date(2008, 3, 11) not in days
    assert days.count(date(2008, 3, 3)) == 2 and days.count(date(2008, 3, 23)) == 2
    # Local midnight to local midnight: 23 hours on March 9, 2008, when New York moved its clocks.
    local = [(m.start.astimezone(DEFAULT_TZ), m.end.astimezone(DEFAULT_TZ)) for m in meetings]
    assert all((s.hour, e.hour, e.date() - s.date()) == (0, 0, timedelta(days=1)) for s, e in local)
    assert {m.end - m.start for m in meetings} == {timedelta(hours=24), timedelta(hours=23)}


def _machbar(meetings: list[Meeting]) -> None:
    """Berlin times across DST, EXDATEs excluded, all-day events, umlauts."""
    assert len(meetings) > 3500
    montessori_thu = [m for m in meetings if m.source_id.startswith("7g6502aejkun96i5fenfu6hvc1@google.com/")]
    starts = _at(montessori_thu, BERLIN)
    assert "2019-02-28 08:30" in starts and "2019-03-14 08:30" in starts
    assert "2019-03-07 08:30" not in starts  # EXDATE
    assert sum(m.all_day for m in meetings) == 3
    assert any("ö" in m.title for m in meetings)


def _google_new_york(meetings: list[Meeting]) -> None:
    """An override before its master: three 10:00 occurrences, the middle one retitled."""
    assert [m.title for m in meetings] == ["Initial Title", "Edited Title", "Initial Title"]
    assert _at(meetings, NEW_YORK) == ["2026-02-01 10:00", "2026-02-02 10:00", "2026-02-03 10:00"]
    assert meetings[0].start == datetime(2026, 2, 1, 15, 0, tzinfo=UTC)


def _mozilla(meetings: list[Meeting]) -> None:
    """BOM, every property folded after its name, floating times in the default zone, all-day."""
    assert len(meetings) == 6
    assert sum(m.all_day for m in meetings) == 2
    god_jul = next(m for m in meetings if m.title == "God Jul")
    assert god_jul.start == datetime(2006, 12, 24, 5, 0, tzinfo=UTC)  # floating midnight, New York
    assert all(m.status == "tentative" for m in meetings)
    assert any("Möte" in m.title for m in meetings)


def _chicago(meetings: list[Meeting]) -> None:
    """The merged VTIMEZONE that crashes icalendar is repaired; Chicago times are right."""
    assert len(meetings) == 30
    assert sum(m.all_day for m in meetings) == 23
    outreach = next(m for m in meetings if m.title == "Outreach Meeting")
    assert outreach.start == datetime(2024, 5, 9, 13, 30, tzinfo=UTC)  # 8:30 CDT
    assert all(not m.all_day or m.start.astimezone(DEFAULT_TZ).hour == 0 for m in meetings)


def _detroit_schools(meetings: list[Meeting]) -> None:
    """UTC times only; unescaped commas in LOCATION survive; a trailing space is trimmed."""
    assert len(meetings) == 33
    assert meetings[0].start == datetime(2019, 4, 16, 21, 30, tzinfo=UTC)
    assert all(m.status == "confirmed" for m in meetings)
    assert any("," in m.location for m in meetings)
    assert all(m.title == m.title.strip() for m in meetings)


def _glwa(meetings: list[Meeting]) -> None:
    """TZID without VTIMEZONE; four meetings cancelled only in their titles, kept and marked."""
    assert len(meetings) == 7
    cancelled = [m.title for m in meetings if m.cancelled]
    assert len(cancelled) == 4 and all("cancelled" in t.lower() for t in cancelled)
    assert meetings[0].start == datetime(2018, 6, 27, 17, 0, tzinfo=UTC)  # 13:00 EDT
    assert meetings[0].location == "735 Randolph, 5th Floor Board Room, Detroit,, MI, 48226"  # escapes undone


def _waste(meetings: list[Meeting]) -> None:
    """TZID without VTIMEZONE; DTEND equal to DTSTART stays a zero-length entry."""
    assert len(meetings) == 103
    assert all(m.end == m.start for m in meetings)
    assert all(m.start.astimezone(NEW_YORK).hour == 6 for m in meetings)


def _outlook(meetings: list[Meeting]) -> None:
    """159 all-day holidays, long unfolded lines, HTML entities decoded."""
    assert len(meetings) == 159 and all(m.all_day for m in meetings)
    assert any("ü" in (m.title + m.description) for m in meetings)
    assert not any("&#252;" in (m.title + m.description) for m in meetings)


def _thunderbird(meetings: list[Meeting]) -> None:
    """recurring-ical-events returns the STATUS:CANCELLED occurrence; only it is marked cancelled,
    although the series' own title ("one is cancelled") contains the word."""
    assert [m.status for m in meetings] == ["confirmed", "cancelled", "confirmed"]
    assert _at(meetings, BERLIN) == ["2020-01-28 22:00", "2020-01-29 22:00", "2020-01-30 22:00"]


EXPECTATIONS: dict[str, Check] = {
    "data_ical_rdate_list_utc_hackerpublicradio.ics": _hpr,
    "discourse_no_dtend_duplicate_vtimezones_escapes.ics": _discourse,
    "exchange_eastern_standard_time_monthly_with_overrides.ics": _exchange_monthly,
    "exchange_windows_tz_names_weekly_exdates.ics": _exchange_windows,
    "google_allday_rrule_empty_exdate_value.ics": _google_allday,
    "google_machbar_recurring_exceptions_europe_berlin.ics": _machbar,
    "google_new_york_vtimezone_recurrence_override.ics": _google_new_york,
    "mozilla_calendar_bom_folded_property_names.ics": _mozilla,
    "municipal_chicago_lihtf_events_calendar_merged_vtimezone.ics": _chicago,
    "municipal_detroit_school_board_utc_schoolwires.ics": _detroit_schools,
    "municipal_glwa_detroit_board_cancelled_no_vtimezone.ics": _glwa,
    "municipal_waste_collection_my_waste_new_york.ics": _waste,
    "outlook2007_germany_holidays_allday_long_lines.ics": _outlook,
    "thunderbird_recurring_one_occurrence_cancelled.ics": _thunderbird,
}
#: Files that must be refused as a whole, and a word the refusal must contain.
REFUSED = {"broken_stray_content_line.ics": "not a readable calendar"}

needs_corpus = pytest.mark.skipif(not FILES, reason=f"the shared calendar corpus is not at {ICS_CORPUS}")


@needs_corpus
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_file_reads_whole_or_is_refused_by_name(path: Path) -> None:
    try:
        meetings = parse_ics(path.read_bytes(), name=path.name, default_tz=DEFAULT_TZ, **WIDE)
    except CalendarError as exc:
        assert path.name in REFUSED, f"{path.name} was refused: {exc.message}"
        assert exc.message.startswith(path.name)
        assert REFUSED[path.name] in exc.message
        return
    assert path.name not in REFUSED, f"{path.name} should have been refused"
    assert meetings, f"{path.name} gave no meetings"
    for meeting in meetings:
        assert meeting.start.tzinfo is UTC and meeting.end.tzinfo is UTC
        assert WIDE["window_start"] - timedelta(days=2) <= meeting.start <= WIDE["window_end"]
        assert meeting.start <= meeting.end <= meeting.start + timedelta(days=31)
        assert meeting.source == path.name and meeting.source_id and meeting.title
        assert meeting.status in ("cancelled", "confirmed", "tentative")
    assert len({m.source_id for m in meetings}) == len(meetings), "source ids must be unique"
    assert meetings == sorted(meetings, key=lambda m: (m.start, m.source_id))
    EXPECTATIONS[path.name](meetings)


@needs_corpus
def test_every_file_has_an_expectation() -> None:
    assert {p.name for p in FILES} == set(EXPECTATIONS) | set(REFUSED)


@needs_corpus
def test_a_narrow_window_keeps_only_its_meetings() -> None:
    data = (ICS_CORPUS / "google_machbar_recurring_exceptions_europe_berlin.ics").read_bytes()
    start, end = datetime(2019, 3, 4, tzinfo=UTC), datetime(2019, 3, 5, tzinfo=UTC)
    meetings = parse_ics(data, name="machbar", window_start=start, window_end=end, default_tz=BERLIN)
    assert meetings and all(m.end >= start and m.start <= end for m in meetings)
