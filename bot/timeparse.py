"""Reading the times people type, and writing times people read.

Typed times are in the campaign's zone (``2026-12-07 19:00``, ``Dec 7 7pm``, ``tomorrow 18:30``,
``mon 7pm``); everything returned is an aware UTC datetime. Pure functions: ``now`` and the zone
are arguments, so the tests need no clock.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.domain import TRAILING
from bot.errors import UsageError
from bot.markup import esc

TIME_EXAMPLES = "`2026-12-07 19:00`, `Dec 7 7pm`, `tomorrow 18:30` or `mon 7pm`"

_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_WEEKDAYS = {
    name: i
    for i, names in enumerate(
        [
            ("mon", "monday"), ("tue", "tues", "tuesday"), ("wed", "weds", "wednesday"),
            ("thu", "thur", "thurs", "thursday"), ("fri", "friday"), ("sat", "saturday"),
            ("sun", "sunday"),
        ]
    )
    for name in names
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY_RE = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))

_CLOCK = re.compile(r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap])?\.?m?\.?(?![a-z])")
_HOUR_AMPM = re.compile(r"\b(\d{1,2})\s*([ap])\.?m\.?(?![a-z])")
_WORD_TIME = re.compile(r"\b(noon|midnight|midday)\b")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SLASH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?$")
_MONTH_DAY = re.compile(rf"^({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+(\d{{4}}))?$")
_DAY_MONTH = re.compile(rf"^(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})\.?(?:\s+(\d{{4}}))?$")
_WEEKDAY = re.compile(rf"^(?:(next|this)\s+)?({_WEEKDAY_RE})\.?$")
_NAMED_DATE = re.compile(rf"^({_WEEKDAY_RE})\.?\s+(\S.*)$")
_DURATION_PART = re.compile(
    r"(\d+(?:\.\d+)?)\s*(weeks?|w|days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)"
)


#: What people type for a zone that names a season's clock, not a place. IANA does have ``EST`` and
#: ``MST``, but as fixed offsets: accepting them would show every summer time an hour off.
_CLOCK_NAMES = {
    **dict.fromkeys(("et", "est", "edt", "eastern"), "`America/New_York` (US Eastern)"),
    **dict.fromkeys(("ct", "cst", "cdt", "central"), "`America/Chicago` (US Central)"),
    **dict.fromkeys(("mt", "mst", "mdt", "mountain"), "`America/Denver` (US Mountain; `America/Phoenix` in Arizona)"),
    **dict.fromkeys(("pt", "pst", "pdt", "pacific"), "`America/Los_Angeles` (US Pacific)"),
    **dict.fromkeys(("akst", "akdt"), "`America/Anchorage`"),
    **dict.fromkeys(("bst",), "`Europe/London`"),
}


@cache
def _zone_names() -> dict[str, str]:
    """Every zone this machine knows, by its name in lower case (read once, on the first miss)."""
    return {name.lower(): name for name in available_timezones()}


#: Regions whose ``Region/City`` names name a city. Older aliases (``US/Samoa``, ``Canada/Pacific``)
#: and Australia's states (``Australia/Victoria``) name regions, not cities, and are left out.
_CITY_REGIONS = ("Africa/", "America/", "Asia/", "Atlantic/", "Europe/", "Indian/", "Pacific/", "Australia/")
_NOT_CITIES = {"australia/act", "australia/lhi", "australia/north", "australia/nsw", "australia/queensland",
               "australia/south", "australia/tasmania", "australia/victoria", "australia/west",
               "australia/yancowinna", "pacific/samoa"}


@cache
def _zone_places() -> dict[str, str]:
    """Zones by their city alone, in lower case (``chicago``, ``los_angeles``), only where one zone has
    that city (``San Juan`` is in Argentina's zones, not Puerto Rico's: not guessed)."""
    places: dict[str, list[str]] = {}
    for name in available_timezones():
        if name.count("/") == 1 and name.startswith(_CITY_REGIONS) and name.lower() not in _NOT_CITIES:
            places.setdefault(name.split("/")[1].lower(), []).append(name)
    return {place: names[0] for place, names in places.items() if len(names) == 1}


def zone(name: str) -> ZoneInfo:
    """An IANA zone by name (any capitalisation), or by its place alone (``Chicago``, ``Los Angeles``);
    else a UsageError that says how to write one."""
    cleaned = "_".join(name.rstrip(TRAILING).split())
    if not cleaned or len(cleaned) > 64 or not re.fullmatch(r"[A-Za-z0-9_+\-/]+", cleaned):
        raise UsageError(f"`{esc(name[:64])}` is not a time zone name. Use an IANA name like `America/New_York`.")
    place = _CLOCK_NAMES.get(cleaned.lower())
    if place is not None:
        raise UsageError(f"`{esc(cleaned)}` names a clock, not a place, so it can't follow daylight saving. "
                         f"Use {place}.")
    try:
        return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError):
        pass
    known = _zone_names().get(cleaned.lower()) or _zone_places().get(cleaned.lower())
    if known is not None:
        return ZoneInfo(known)
    raise UsageError(f"I don't know the time zone `{esc(name.strip()[:64])}`. Use an IANA name like "
                     "`America/New_York`, or a big city on your clock (`Chicago`, `Los Angeles`).")


#: Zones that are one clock all year, not a place: right for someone who means UTC, a slip for
#: someone in London, whose clocks go forward in summer.
_FIXED_CLOCKS = {"gmt", "utc", "uct", "zulu", "universal", "greenwich", "gmt0", "gmt+0", "gmt-0"}


def fixed_clock_note(tz: ZoneInfo) -> str | None:
    """A word for someone who chose a zone with no summer time by name (``GMT``); None for places."""
    if tz.key.lower() not in _FIXED_CLOCKS and not tz.key.startswith("Etc/"):
        return None
    offset = datetime(2026, 1, 1, tzinfo=tz).utcoffset()
    if offset:  # Etc/GMT+5 is five hours behind: the sign is POSIX's, the other way round
        hours = offset.total_seconds() / 3600
        return (f"`{tz.key}` keeps one clock all year, UTC{hours:+g} (its sign is the other way round). If your "
                "clocks change, choose your place instead: `tz America/New_York`, for example.")
    return (f"`{tz.key}` keeps one clock all year, with no summer time. If your clocks change, choose your "
            "place instead: `tz Europe/London` in the UK, for example.")


def localize(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time in ``tz``.

    A time that does not exist (skipped by a spring-forward change) moves forward by the gap, as
    clocks do; an ambiguous one (fall-back) means the first of the two.
    """
    naive = datetime.combine(day, at)
    first = naive.replace(tzinfo=tz, fold=0)
    utc = first.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != naive:  # in a gap: shift by the gap's size
        gap = first.utcoffset() - naive.replace(tzinfo=tz, fold=1).utcoffset()  # type: ignore[operator]
        utc = (naive.replace(tzinfo=tz, fold=1) + abs(gap)).astimezone(UTC)
    return utc


def _take_time(text: str) -> tuple[time | None, str]:
    for pattern in (_CLOCK, _HOUR_AMPM):
        m = pattern.search(text)
        if not m:
            continue
        hour = int(m.group(1))
        if pattern is _CLOCK:
            minute, second, ampm = int(m.group(2)), int(m.group(3) or 0), m.group(4)
        else:
            minute, second, ampm = 0, 0, m.group(2)
        if ampm:
            if not 1 <= hour <= 12:
                raise UsageError(f"`{esc(m.group(0).strip())}` is not a time of day.")
            hour = hour % 12 + (12 if ampm == "p" else 0)
        if hour > 23 or minute > 59 or second > 59:
            raise UsageError(f"`{esc(m.group(0).strip())}` is not a time of day.")
        return time(hour, minute, second), (text[: m.start()] + " " + text[m.end() :]).strip()
    m = _WORD_TIME.search(text)
    if m:
        at = time(0, 0) if m.group(1) == "midnight" else time(12, 0)
        return at, (text[: m.start()] + " " + text[m.end() :]).strip()
    return None, text


def _year_for(month: int, day: int, today: date) -> int:
    """A date typed without a year means the next one, unless it was only just now."""
    try:
        this_year = date(today.year, month, day)
    except ValueError:
        this_year = None
    if this_year is not None and this_year >= today - timedelta(days=30):
        return today.year
    return today.year + 1


def _make_date(year: int, month: int, day: int, raw: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise UsageError(f"`{esc(raw)}` is not a date on the calendar.") from exc


def _take_date(text: str, today: date) -> date | None:
    text = text.strip(" ,")
    if not text:
        return None
    if text in ("today", "tonight"):
        return today
    if text == "tomorrow":
        return today + timedelta(days=1)
    if m := _ISO_DATE.match(text):
        return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), text)
    if m := _SLASH_DATE.match(text):
        month, day = int(m.group(1)), int(m.group(2))
        year = int(m.group(3)) if m.group(3) else _year_for(month, day, today)
        if year < 100:
            year += 2000
        return _make_date(year, month, day, text)
    if m := _MONTH_DAY.match(text):
        month, day = _MONTHS[m.group(1)], int(m.group(2))
        year = int(m.group(3)) if m.group(3) else _year_for(month, day, today)
        return _make_date(year, month, day, text)
    if m := _DAY_MONTH.match(text):
        month, day = _MONTHS[m.group(2)], int(m.group(1))
        year = int(m.group(3)) if m.group(3) else _year_for(month, day, today)
        return _make_date(year, month, day, text)
    if m := _WEEKDAY.match(text):
        ahead = (_WEEKDAYS[m.group(2)] - today.weekday()) % 7
        if m.group(1) == "next" and ahead == 0:
            ahead = 7
        return today + timedelta(days=ahead)
    if m := _NAMED_DATE.match(text):  # "mon dec 7", the way dates are shown: the weekday must agree
        on = _take_date(m.group(2), today)
        if on is not None and on.weekday() != _WEEKDAYS[m.group(1)]:
            days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
            raise UsageError(f"{_MONTH_NAMES[on.month - 1]} {on.day} {on.year} is a {days[on.weekday()]}, "
                             f"not a {days[_WEEKDAYS[m.group(1)]]}.")
        return on
    bare = re.search(r"(?:^|\s)(\d{1,2})$", text)  # "tomorrow 10": an hour without am, pm or minutes
    if bare and int(bare.group(1)) <= 23:
        hour = bare.group(1)
        ways = f"`{hour}am`, `{hour}pm` or `{hour}:00`" if 1 <= int(hour) <= 12 else f"`{hour}:00`"
        raise UsageError(f"`{hour}` alone is not a time of day: write {ways}.")
    raise UsageError(f"I can't read `{esc(text)}` as a date. Try {TIME_EXAMPLES}.")


#: How far ahead a typed time may be: a campaign plans months ahead, not decades (and a date near
#: year 9999 would overflow once a duration or reminder offset is added to it).
MAX_YEARS_AHEAD = 10


def parse_when(text: str, *, now: datetime, tz: ZoneInfo, day: date | None = None) -> datetime:
    """Parse a typed time in ``tz`` into an aware UTC datetime.

    ``day`` is the date used when only a time of day is given (``until:9pm`` after a ``when:``);
    without it a bare time means its next occurrence. Past times are allowed here; callers decide.
    """
    try:
        result = _parse_when(text, now=now, tz=tz, day=day)
    except OverflowError:  # a date at the very edge of the calendar, shifted by its zone
        result = None
    if result is None or not now.year - MAX_YEARS_AHEAD <= result.year <= now.year + MAX_YEARS_AHEAD:
        raise UsageError(f"`{esc(' '.join(text.split())[:40])}` is too far from today: give a time within "
                         f"{MAX_YEARS_AHEAD} years.")
    return result


def _parse_when(text: str, *, now: datetime, tz: ZoneInfo, day: date | None = None) -> datetime:
    raw = " ".join(text.split())
    if not raw:
        raise UsageError(f"The time is empty. Try {TIME_EXAMPLES}.")
    if len(raw) > 64:
        raise UsageError(f"That time is too long to be a time. Try {TIME_EXAMPLES}.")
    iso = _iso_time(raw)
    if iso is not None:
        if iso.tzinfo is not None:
            return iso.astimezone(UTC)
        return localize(iso.date(), iso.time(), tz)

    label, raw = _zone_label(raw, tz, now)
    if label is not None:  # "... 7:00 PM EST", as times are shown: the label must be the zone's own then
        result = _parse_when(raw, now=now, tz=tz, day=day)
        actual = result.astimezone(tz).tzname() or ""
        if actual.upper() != label.upper():
            raise UsageError(f"Times here are in {tz.key}, which is on {actual} then, not {esc(label)}. "
                             f"Leave out `{esc(label)}` or write {actual}.")
        return result
    lowered = _plain(raw)
    at, rest = _take_time(lowered)
    if at is not None and "tonight" in rest.split() and 1 <= at.hour <= 11 and _bare_clock(raw) is not None:
        at = at.replace(hour=at.hour + 12)  # tonight 9:30 is the evening's
    today = now.astimezone(tz).date()
    on = _take_date(" ".join(rest.split()), today)
    if at is None:
        if on is not None:
            raise UsageError(f"`{esc(raw)}` has a date but no time of day. Add one, like `{esc(raw)} 7pm`.")
        raise UsageError(f"I can't read `{esc(raw)}` as a time. Try {TIME_EXAMPLES}.")
    if on is not None:
        result = localize(on, at, tz)
        # "mon 7pm" typed on a Monday evening after 7 means next Monday.
        if _WEEKDAY.match(rest.strip()) and result <= now:
            result = localize(on + timedelta(days=7), at, tz)
        return result
    if day is not None:
        return localize(day, at, tz)
    result = localize(today, at, tz)
    return result if result > now else localize(today + timedelta(days=1), at, tz)


def clock_note(text: str, instant: datetime, tz: ZoneInfo, *, now: datetime) -> str | None:
    """A word for the organizer when the wall-clock time they typed is skipped or repeated that day (a
    clock change), as ``instant`` (what ``parse_when`` made of ``text``) shows; None otherwise."""
    typed = _typed_clock(text, tz, now)
    if typed is None:
        return None
    local = instant.astimezone(tz)
    naive = datetime.combine(local.date(), typed)
    first, second = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return None  # an ordinary time: it happens once
    day = format_day(local, now=now)
    if local.replace(tzinfo=None) != naive:  # in the gap: moved forward, as clocks do
        return (f"There is no {_clock(naive)} on {day} (the clocks go forward), so it is "
                f"{_clock(local)} {local.tzname()}.")
    return f"{_clock(naive)} comes twice on {day} (the clocks go back); this is the first, {local.tzname()}."


def _bare_clock(text: str) -> tuple[str, re.Match[str]] | None:
    """``text`` with single spaces, and its time of day, when that is an hour from 1 to 12 with minutes
    and no am or pm (``9:30``), which many mean either way; None for any other text (``9:30pm``,
    ``09:30`` and ``21:30`` say which they are)."""
    raw = " ".join(text.split())
    m = _CLOCK.search(raw.lower())
    if m is None or m.group(4) or m.group(1).startswith("0") or not 1 <= int(m.group(1)) <= 12:
        return None
    return raw, m


def other_half(text: str) -> str | None:
    """``text`` with its time of day read in the other half of the day (``Dec 7 9:30`` -> ``Dec 7
    21:30``, ``12:30`` -> ``0:30``) when it could be either (``_bare_clock``); None otherwise."""
    found = _bare_clock(text)
    if found is None:
        return None
    raw, m = found
    seconds = f":{m.group(3)}" if m.group(3) else ""
    return f"{raw[:m.start()]}{(int(m.group(1)) + 12) % 24}:{m.group(2)}{seconds}{raw[m.end():]}"


def morning_note(text: str) -> str | None:
    """A word for the organizer when a typed time reads as morning but may mean evening (``7:00``)."""
    found = _bare_clock(text)
    if found is None or int(found[1].group(1)) == 12:
        return None
    hour, minute = int(found[1].group(1)), found[1].group(2)
    return (f"`{hour}:{minute}` is read as {hour}:{minute} AM. For the evening, write `{hour}:{minute}pm` "
            f"or `{hour + 12}:{minute}`.")


def until_note(text: str, end: datetime, tz: ZoneInfo, *, now: datetime) -> str | None:
    """A word when an end typed without am or pm was read in the other half of the day (``until:9:30``
    after a 7 PM start is 9:30 PM)."""
    typed = _typed_clock(text, tz, now)
    local = end.astimezone(tz)
    if typed is None or _bare_clock(text) is None or (local.hour - typed.hour) % 24 != 12:
        return None
    return f"`until:{esc(' '.join(text.split()))}` is read as {_clock(local)}, the first after the start."


def meant_clock(text: str, instant: datetime, tz: ZoneInfo, *, now: datetime) -> time:
    """The time of day meant by ``text`` (which ``parse_when`` made ``instant``): the one typed, even
    where that day's clocks skip it, else ``instant``'s own in ``tz``. A weekly 2:30 AM typed for
    spring-forward day is 3:30 AM that day and 2:30 AM every other week."""
    typed = _typed_clock(text, tz, now)
    return typed if typed is not None else instant.astimezone(tz).time()


def _typed_clock(text: str, tz: ZoneInfo, now: datetime) -> time | None:
    """The wall-clock time of day in a typed time, read as ``_parse_when`` reads it; None when it has
    none or pins an offset itself (``...Z``, ``-05:00``, a trailing ``EST``)."""
    raw = " ".join(text.split())
    iso = _iso_time(raw)
    if iso is not None:
        return None if iso.tzinfo is not None else iso.time()
    if _zone_label(raw, tz, now)[0] is not None:
        return None
    return _take_time(_plain(raw))[0]


def _iso_time(raw: str) -> datetime | None:
    """``2026-12-07 19:00`` or ``2026-12-07T19:00-05:00`` read as ISO 8601; None for other text, and for
    a bare date (``2026-12-07`` has no time of day)."""
    try:
        iso = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return iso if iso.tzinfo is not None or "T" in raw or " " in raw or ":" in raw else None


def _plain(raw: str) -> str:
    """Lower case without the words and marks a time may carry: ``Mon, Dec 7 at 7pm`` -> ``mon  dec 7  7pm``."""
    lowered = raw.lower().replace(",", " ").replace("·", " ")
    lowered = re.sub(r"(\d{4}-\d{1,2}-\d{1,2})t(?=\d)", r"\1 ", lowered)
    return re.sub(r"\b(at|on|@)\b", " ", lowered)


def _zone_label(raw: str, tz: ZoneInfo, now: datetime) -> tuple[str | None, str]:
    """A trailing ``EST``/``EDT`` that names ``tz``'s clock (summer or winter), and the text before it."""
    head, _, last = raw.rpartition(" ")
    if not head or not last.isalpha():
        return None, raw
    names = {(now + timedelta(days=days)).astimezone(tz).tzname() for days in (0, 91, 182, 273)}
    if last.upper() in {n.upper() for n in names if n}:
        return last, head
    return None, raw


_UNITS = {
    "w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1),
    "s": timedelta(seconds=1),
}


def parse_duration(text: str) -> timedelta:
    """``2h``, ``90m``, ``1h30m``, ``1d``, ``2 hours``: a positive span of time."""
    raw = text.strip().lower().replace(" ", "")
    if not raw:
        raise UsageError("The duration is empty. Try `2h` or `90m`.")
    pos, total = 0, timedelta()
    for m in _DURATION_PART.finditer(raw):
        if m.start() != pos:
            break
        amount, unit = float(m.group(1)), m.group(2)
        try:
            total += amount * _UNITS[unit[0]]
        except OverflowError:
            raise UsageError("That duration is longer than a year.") from None
        pos = m.end()
    if pos != len(raw) or total <= timedelta():
        raise UsageError(f"`{esc(text.strip()[:32])}` is not a duration. Try `2h`, `90m` or `1d`.")
    if total > timedelta(days=366):
        raise UsageError("That duration is longer than a year.")
    return total


#: What ``remind:`` takes for no reminders at all.
NO_REMINDERS = ("none", "off")


def parse_offsets(text: str) -> list[timedelta]:
    """A reminder list such as ``3d,1d,1h``: distinct, largest first; ``none`` (or ``off``) is empty."""
    if text.strip().lower() in NO_REMINDERS:
        return []
    parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    if not parts:
        raise UsageError("The reminder list is empty. Try `1d,2h`.")
    if len(parts) > 6:
        raise UsageError("At most 6 reminders per event.")
    return sorted({parse_duration(p) for p in parts}, reverse=True)


def format_offset(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for size, unit in ((86400 * 7, "w"), (86400, "d"), (3600, "h"), (60, "m")):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


#: Names as a reader in the campaign sees them, whatever the machine's locale (and without the cost of
#: ``strftime``, which a burst of replies feels).
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _clock(local: datetime) -> str:
    return f"{local.hour % 12 or 12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"


def format_when(
    instant: datetime, tz: ZoneInfo, *, now: datetime | None = None, with_zone: bool = True
) -> str:
    """``Mon, Dec 7 · 7:00 PM EST`` in the reader's zone; the year only when it is not ``now``'s."""
    local = instant.astimezone(tz)
    text = f"{format_day(local, now=now)} · {_clock(local)}"
    if with_zone:
        text += f" {local.tzname()}"
    return text


def format_day(local: datetime, *, now: datetime | None = None) -> str:
    """``Mon, Dec 7`` for a local time; the year only when it is not ``now``'s (in the same zone)."""
    text = f"{_DAY_NAMES[local.weekday()]}, {_MONTH_NAMES[local.month - 1]} {local.day}"
    if now is not None and local.year != now.astimezone(local.tzinfo).year:
        text += f" {local.year}"
    return text


def format_time_of_day(instant: datetime, tz: ZoneInfo) -> str:
    return _clock(instant.astimezone(tz))


def iso_utc(instant: datetime) -> str:
    """The one stored form of an instant: ``2026-12-07T00:00:00Z`` (sorts as text)."""
    if instant.tzinfo is None:
        raise ValueError("iso_utc needs an aware datetime")
    return _iso_second((instant - _EPOCH) // _SECOND)  # whole seconds, exactly (no float in between)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)


@lru_cache(maxsize=1024)
def _iso_second(second: int) -> str:
    # A crowd's changes stamp the same few seconds thousands of times: each is formatted once.
    return (_EPOCH + timedelta(seconds=second)).isoformat()[:19] + "Z"


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
