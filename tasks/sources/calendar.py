"""Council meetings from an iCalendar file (CivicPlus, Legistar's own feed, Google, Exchange...).

:func:`parse_ics` is pure: bytes in, :class:`Meeting` list out, so every real-world quirk in
shared/data/ics is a plain unit test. The importer relies on two promises:

- cancelled occurrences stay in the list, marked ``status="cancelled"`` (from ``STATUS:CANCELLED``,
  which recurring-ical-events passes through, or from words like "Cancelled" in the title, the only
  signal many municipal feeds give), so local copies can be cancelled and volunteers told;
- a file is read whole or not at all: a :class:`CalendarError` naming the file instead of a partial
  list, because a meeting missing from a partial list would look cancelled upstream.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.timeparse import localize
from tasks.sources import ics_text
from tasks.sources.errors import CalendarError
from tasks.sources.meeting import DEFAULT_LENGTH, Meeting, Status, says_cancelled
from tasks.sources.tzids import zone_or_none

if TYPE_CHECKING:
    import icalendar

#: Beyond this many occurrences in one window the rules are runaway (FREQ=MINUTELY) or the window
#: is far too wide; refusing beats filling the store. (Expanding costs about half a millisecond per
#: occurrence, so the cap also bounds the time a hostile feed can take.)
MAX_OCCURRENCES = 5_000

# Properties whose breakage changes when a meeting happens; a broken one fails the file (a broken
# CATEGORIES or DTSTAMP does not matter to a meeting and is left alone).
_TIME_PROPERTIES = ("DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID")


def parse_ics(
    data: bytes,
    *,
    name: str,
    window_start: datetime,
    window_end: datetime,
    default_tz: ZoneInfo,
    max_occurrences: int = MAX_OCCURRENCES,
) -> list[Meeting]:
    """Every meeting occurrence in ``data`` that overlaps the window, sorted by start.

    Floating times are read in the calendar's ``X-WR-TIMEZONE`` when it names a real zone (Google
    writes its zone there), else in ``default_tz`` (the campaign's). All-day dates are always read in
    ``default_tz``: a date is the same date wherever the feed was made, and a feed that says
    ``X-WR-TIMEZONE:UTC`` (many CMS and Outlook exports) must not turn "Dec 8" into 7 PM on Dec 7.
    ``name`` (a URL or label) becomes each meeting's ``source`` and names the file in errors.

    This is CPU work (about 0.5 ms per occurrence, and seconds for a rule that can never match,
    such as every February 30th, which dateutil searches to the year 9999): call it through
    ``asyncio.to_thread`` from the event loop.
    """
    if window_start.tzinfo is None or window_end.tzinfo is None:
        raise ValueError("parse_ics needs an aware window")
    calendar = _read(data, name)
    floating_tz = zone_or_none(_text(calendar.get("X-WR-TIMEZONE"))) or default_tz
    series = _prepare_events(calendar, name, floating_tz)
    occurrences = _expand(calendar, name, window_start.astimezone(UTC), window_end.astimezone(UTC), max_occurrences)
    try:
        meetings = [_meeting(event, name, floating_tz, series, default_tz) for event in occurrences]
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise CalendarError(f"{name}: an event has times that cannot be read ({_short(exc)}).") from exc
    return sorted(_unique_ids(meetings), key=lambda m: (m.start, m.source_id))


def _read(data: bytes, name: str) -> icalendar.Calendar:
    """The parsed, repaired calendar, or a CalendarError that says what is wrong with the file."""
    import icalendar  # here, not at the top: only a calendar sync needs it, and it takes 0.1 s to load

    lines = ics_text.content_lines(ics_text.decode(data))
    if not lines:
        raise CalendarError(f"{name} is empty.")
    first = ics_text.split_line(lines[0])
    if first[0] != "BEGIN" or first[2].strip().upper() != "VCALENDAR":
        raise CalendarError(f"{name} is not an iCalendar file (it does not start with BEGIN:VCALENDAR).")
    text = "\r\n".join(ics_text.repair(lines)) + "\r\n"
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except Exception as exc:  # icalendar raises ValueError, AttributeError... on malformed files
        raise CalendarError(f"{name} is not a readable calendar ({_short(exc)}).") from exc
    if not isinstance(calendar, icalendar.Calendar):
        raise CalendarError(f"{name} is not a readable calendar (no VCALENDAR).")
    return calendar


def _expand(calendar: icalendar.Calendar, name: str, start: datetime, end: datetime, limit: int) -> list[Any]:
    """The occurrences overlapping ``[start, end]``, generated lazily so the cap stops a runaway rule early.

    Walks ``CalendarQuery.series`` (what ``between()`` walks, minus building the whole list first).
    """
    import recurring_ical_events  # loaded with icalendar, when a calendar is read

    found: list[Any] = []
    try:
        query = recurring_ical_events.of(calendar)
        for series in query.series:
            for occurrence in series.between(start, end):
                found.append(occurrence.as_component(query.keep_recurrence_attributes))
                if len(found) > limit:
                    raise CalendarError(
                        f"{name}: more than {limit} meetings in the window; the feed's repeat rules look wrong."
                    )
    except CalendarError:
        raise
    except Exception as exc:  # the library raises many types on bad input; none may escape as a traceback
        raise CalendarError(f"{name}: the calendar's repeating events cannot be worked out ({_short(exc)}).") from exc
    return found


def _prepare_events(calendar: icalendar.Calendar, name: str, floating_tz: ZoneInfo) -> dict[str, str]:
    """Check and complete each VEVENT in place; return each series' UID and its master's title.

    A missing UID becomes a hash of what the event says (stable across fetches; two events that say
    the same get a counter); a missing end becomes ``DURATION`` 2 hours (one day for all-day events),
    so recurring-ical-events does not turn it into a zero-length meeting.
    """
    series: dict[str, str] = {}
    made_up: set[str] = set()
    events = calendar.walk("VEVENT")
    _split_reused_uids(events, floating_tz)
    for event in events:
        label = _text(event.get("SUMMARY")) or _text(event.get("UID")) or "an event"
        for prop, _ in getattr(event, "errors", []):
            if not prop:  # a line icalendar could not even split: it may have been any property
                raise CalendarError(f"{name}: the event “{_clip(label)}” has a line that cannot be read.")
            if prop.upper() in _TIME_PROPERTIES:
                raise CalendarError(f"{name}: the event “{_clip(label)}” has an unreadable {prop.upper()}.")
        if "DTSTART" not in event:
            raise CalendarError(f"{name}: the event “{_clip(label)}” has no start time (DTSTART).")
        if not _text(event.get("UID")):
            event["UID"] = _made_up_uid(event, made_up)
        if "DTEND" in event and _instant(event["DTEND"].dt, floating_tz) < _instant(event["DTSTART"].dt, floating_tz):
            del event["DTEND"]  # an end before the start is a typo in the feed: the start is what people go by
        if "DTEND" not in event and "DURATION" not in event:
            all_day = not isinstance(event["DTSTART"].dt, datetime)
            event.add("DURATION", timedelta(days=1) if all_day else DEFAULT_LENGTH)
        _check_rules(event, name, label)
        uid = _text(event["UID"])
        if "RECURRENCE-ID" in event:
            series.setdefault(uid, "")
        elif "RRULE" in event or "RDATE" in event:
            series[uid] = _clean(event.get("SUMMARY"))
    return series


def _split_reused_uids(events: list[Any], floating_tz: ZoneInfo) -> None:
    """Give standalone events that share a UID their own ids: ``<uid>@<start>``.

    Some feeds publish each meeting of a series as its own VEVENT under one UID; recurring-ical-events
    would keep only one of them and silently drop the rest. The first event with a repeat rule keeps
    the UID, so RECURRENCE-ID overrides still attach to it.
    """
    by_uid: dict[str, list[Any]] = {}
    for event in events:
        uid = _text(event.get("UID"))
        if uid and "RECURRENCE-ID" not in event and "DTSTART" in event:
            by_uid.setdefault(uid, []).append(event)
    taken = set(by_uid)
    for uid, sharing in by_uid.items():
        if len(sharing) < 2:
            continue
        master = next((e for e in sharing if "RRULE" in e or "RDATE" in e), None)
        for event in sharing:
            if event is master:
                continue
            new_uid, n = f"{uid}@{_stamp(event['DTSTART'].dt, floating_tz)}", 1
            while new_uid in taken:
                n += 1
                new_uid = f"{uid}@{_stamp(event['DTSTART'].dt, floating_tz)}#{n}"
            taken.add(new_uid)
            event["UID"] = new_uid


def _check_rules(event: Any, name: str, label: str) -> None:
    """Refuse ``INTERVAL=0`` (or less): dateutil would loop forever on it, blocking the importer."""
    rules = event.get("RRULE")
    for rule in rules if isinstance(rules, list) else [rules] if rules is not None else []:
        interval = rule.get("INTERVAL", [1])
        if not isinstance(interval[0], int) or interval[0] < 1:
            raise CalendarError(f"{name}: the event “{_clip(label)}” repeats with an interval of {interval[0]}.")


def _made_up_uid(event: Any, taken: set[str]) -> str:
    seed = "\n".join(
        _text(event.get(prop)) if prop != "DTSTART" else event["DTSTART"].to_ical().decode()
        for prop in ("SUMMARY", "DTSTART", "DESCRIPTION", "LOCATION")
    )
    base = "turnout-" + hashlib.sha256(seed.encode()).hexdigest()[:24]
    uid, n = base, 1
    while uid in taken:
        n += 1
        uid = f"{base}-{n}"
    taken.add(uid)
    return uid


def _meeting(event: Any, name: str, floating_tz: ZoneInfo, series: dict[str, str], date_tz: ZoneInfo) -> Meeting:
    raw_start = event["DTSTART"].dt
    all_day = not isinstance(raw_start, datetime)
    raw_end = event["DTEND"].dt if "DTEND" in event else raw_start + event["DURATION"].dt
    start = _instant(raw_start, floating_tz, date_tz)
    end = max(_instant(raw_end, floating_tz, date_tz), start)
    uid = _text(event["UID"])
    source_id = uid
    if uid in series:
        recurrence = event.get("RECURRENCE-ID")
        source_id = f"{uid}/{_stamp(recurrence.dt if recurrence is not None else raw_start, floating_tz)}"
    title = _clean(event.get("SUMMARY")) or "(untitled)"
    return Meeting(
        source_id=source_id,
        title=title,
        start=start,
        end=end,
        all_day=all_day,
        location=_clean(event.get("LOCATION")),
        description=_clean(event.get("DESCRIPTION")),
        links=_links(event),
        status=_status(_text(event.get("STATUS")), title, series_title=series.get(uid, "")),
        source=name,
    )


def _instant(value: date | datetime, floating_tz: ZoneInfo, date_tz: ZoneInfo | None = None) -> datetime:
    """An aware UTC datetime: all-day dates at midnight in ``date_tz`` (else ``floating_tz``), floating
    times in ``floating_tz``."""
    if not isinstance(value, datetime):
        return localize(value, time(0), date_tz or floating_tz)
    if value.tzinfo is None or value.utcoffset() is None:
        return localize(value.date(), value.time(), floating_tz)
    return value.astimezone(UTC)


def _stamp(value: date | datetime, floating_tz: ZoneInfo) -> str:
    """The occurrence part of a source id: ``20261102`` or ``20261103T000000Z``."""
    if not isinstance(value, datetime):
        return value.strftime("%Y%m%d")
    return _instant(value, floating_tz).strftime("%Y%m%dT%H%M%SZ")


def _status(status: str, title: str, *, series_title: str) -> Status:
    """STATUS first; then a cancel word in the title, unless the whole series' title has it.

    A word every occurrence shares is part of the series' name; an occurrence whose title gained
    "CANCELLED" is the municipal way of cancelling it.
    """
    upper = status.strip().upper()
    if upper == "CANCELLED" or (says_cancelled(title) and not says_cancelled(series_title)):
        return "cancelled"
    if upper == "TENTATIVE":
        return "tentative"
    return "confirmed"


def _links(event: Any) -> tuple[tuple[str, str], ...]:
    """The event's own page, when it gives an absolute web address (Discourse writes relative ones)."""
    url = _text(event.get("URL")).strip()
    if url.lower().startswith(("http://", "https://")):
        return (("Details", url),)
    return ()


def _unique_ids(meetings: list[Meeting]) -> list[Meeting]:
    """Last resort after :func:`_split_reused_uids`: any ids still shared get the meeting's start."""
    counts: dict[str, int] = {}
    for meeting in meetings:
        counts[meeting.source_id] = counts.get(meeting.source_id, 0) + 1
    result = []
    for meeting in meetings:
        if counts[meeting.source_id] > 1:
            stamp = meeting.start.strftime("%Y%m%dT%H%M%SZ")
            meeting = replace(meeting, source_id=f"{meeting.source_id}@{stamp}")
        result.append(meeting)
    return result


def _text(value: Any) -> str:
    """A property's text; the first one when a feed repeats a property that should appear once."""
    if isinstance(value, list):
        value = value[0] if value else None
    return "" if value is None else str(value)


def _clean(value: Any) -> str:
    """Display text: iCalendar escapes are already undone; HTML entities (Outlook's ``&#252;``) too."""
    return html.unescape(_text(value)).strip()


def _clip(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _short(exc: BaseException) -> str:
    """An exception as a short line for an organizer: its kind and the start of its message."""
    message = _clip(str(exc), 160)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__
