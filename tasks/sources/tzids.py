"""Time zone names as calendar programs write them, resolved to IANA zones.

Exchange and Outlook write Windows names (``Eastern Standard Time``) or display names
(``(UTC-05:00) Eastern Time (US & Canada)``); old Mozilla clients prefix IANA names
(``/mozilla.org/20050126_1/America/New_York``). An IANA zone knows a place's history, while the
VTIMEZONE these programs attach holds only today's rule, so the reader swaps the name for the zone.
"""

from __future__ import annotations

import functools
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The Windows names councils and campaigns in the US and Europe meet most; icalendar's fuller table
# (Unicode CLDR's windowsZones) is merged in below when this icalendar version ships it.
_COMMON_WINDOWS_NAMES = {
    "Eastern Standard Time": "America/New_York",
    "US Eastern Standard Time": "America/Indiana/Indianapolis",
    "Central Standard Time": "America/Chicago",
    "Mountain Standard Time": "America/Denver",
    "US Mountain Standard Time": "America/Phoenix",
    "Pacific Standard Time": "America/Los_Angeles",
    "Alaskan Standard Time": "America/Anchorage",
    "Hawaiian Standard Time": "Pacific/Honolulu",
    "Atlantic Standard Time": "America/Halifax",
    "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "W. Europe Standard Time": "Europe/Berlin",
    "Romance Standard Time": "Europe/Paris",
    "Central Europe Standard Time": "Europe/Budapest",
    "Central European Standard Time": "Europe/Warsaw",
    "E. Europe Standard Time": "Europe/Chisinau",
    "FLE Standard Time": "Europe/Kiev",
    "GTB Standard Time": "Europe/Bucharest",
    "UTC": "UTC",
    "Coordinated Universal Time": "UTC",
}

# Outlook's display names, after their "(UTC-05:00) " prefix is removed.
_DISPLAY_NAMES = {
    "Eastern Time (US & Canada)": "America/New_York",
    "Central Time (US & Canada)": "America/Chicago",
    "Mountain Time (US & Canada)": "America/Denver",
    "Arizona": "America/Phoenix",
    "Pacific Time (US & Canada)": "America/Los_Angeles",
    "Dublin, Edinburgh, Lisbon, London": "Europe/London",
    "Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna": "Europe/Berlin",
    "Brussels, Copenhagen, Madrid, Paris": "Europe/Paris",
    "Coordinated Universal Time": "UTC",
}


@functools.cache
def _windows_names() -> dict[str, str]:
    """Built on first use, not at import: icalendar's table loads all of icalendar (0.1 s)."""
    names = dict(_COMMON_WINDOWS_NAMES)
    try:
        from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON
    except ImportError:  # not a public module of icalendar; the common names above still work
        return names
    for windows, iana in WINDOWS_TO_OLSON.items():
        names.setdefault(windows, iana)
    return names


_DISPLAY_PREFIX = re.compile(r"^\((?:UTC|GMT)(?:\s*[+-]\d{1,2}:\d{2})?\)\s*")
_MOZILLA_PREFIX = re.compile(r"^/[^/]+/[^/]+/(.+)$")


def iana_name(tzid: str) -> str | None:
    """The IANA name for a non-IANA ``tzid`` this module recognises; ``None`` to leave it alone."""
    name = tzid.strip()
    if (windows := _windows_names().get(name)) is not None:
        return _valid(windows)
    display = _DISPLAY_PREFIX.sub("", name)
    if display != name and display in _DISPLAY_NAMES:
        return _valid(_DISPLAY_NAMES[display])
    if m := _MOZILLA_PREFIX.match(name):
        return _valid(m.group(1))
    return None


def zone_or_none(name: str | None) -> ZoneInfo | None:
    """``ZoneInfo(name)`` when ``name`` is an IANA zone (or a recognised alias), else ``None``."""
    if not name:
        return None
    candidate = iana_name(name) or name.strip()
    if _valid(candidate) is None:
        return None
    return ZoneInfo(candidate)


def _valid(name: str) -> str | None:
    if not re.fullmatch(r"[A-Za-z0-9_+\-/]{1,64}", name) or name.startswith("/") or ".." in name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError):
        return None
    return name
