"""Council meetings from the Legistar Web API (Granicus), used by many US counties and cities.

Legistar returns a flat JSON array of at most 1,000 events per request, with the date
(``EventDate``, local midnight) and the time (``EventTime``, ``"7:00 PM"``) in separate fields and
cancellations only in free text. This module pages, combines and normalises them into
:class:`Meeting` values with ``source = "legistar:<client>"`` and ``source_id = str(EventId)``.

An event without a usable ``EventTime`` (null, empty, "TBD") is returned as ``all_day``: start at
local midnight of its date, end at the next local midnight. Guessing midnight or a default hour
would put a wrong time into reminders; all-day says honestly that the hour is not known yet.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.timeparse import localize
from tasks.sources.errors import SourceError
from tasks.sources.fetch import DEFAULT_MAX_BYTES, fetch_response
from tasks.sources.meeting import DEFAULT_LENGTH, Meeting, says_cancelled

if TYPE_CHECKING:
    import aiohttp

LEGISTAR_API = "https://webapi.legistar.com/v1"

#: Legistar's hard cap on rows per request.
PAGE_SIZE = 1000
#: 50 pages = 50,000 events: far beyond any body's schedule; stops a server that ignores $skip.
MAX_PAGES = 50

_CLIENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_UNKNOWN_CLIENT = "LegistarConnectionString setting is not set up in InSite for client"
_TIME_12H = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*([AaPp])\.?\s*[Mm]\.?")
_TIME_24H = re.compile(r"(\d{1,2}):(\d{2})")
_LINK_FIELDS = (("Agenda", "EventAgendaFile"), ("Minutes", "EventMinutesFile"), ("Details", "EventInSiteURL"))


async def fetch_legistar(
    client: str,
    *,
    body: str | None,
    session: aiohttp.ClientSession,
    since: date,
    tz: ZoneInfo,
    base_url: str = LEGISTAR_API,
    timeout: float = 30.0,  # noqa: ASYNC109 - a per-request aiohttp ClientTimeout, not a wait
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[Meeting]:
    """Every event of ``client`` (one ``body`` such as "City Council", or all) on or after ``since``.

    ``tz`` is the body's zone: Legistar's dates and times are local wall-clock values.
    """
    if not _CLIENT.fullmatch(client):
        raise SourceError("A Legistar client name is one word such as `durhamcounty` (from webapi.legistar.com/v1/…).")
    url = f"{base_url.rstrip('/')}/{client}/events"
    rows: list[dict[str, Any]] = []
    seen: set[Any] = set()
    for page in range(MAX_PAGES):
        batch = await _page(url, client, session=session, params=_params(body, since, skip=page * PAGE_SIZE),
                            seconds=timeout, max_bytes=max_bytes)
        fresh = [row for row in batch if row.get("EventId") not in seen]
        seen.update(row.get("EventId") for row in fresh)
        rows.extend(fresh)
        if len(batch) < PAGE_SIZE or not fresh:
            break
    else:
        raise SourceError(
            f"Legistar client `{client}` sent more than {MAX_PAGES * PAGE_SIZE} events; narrow it to one body."
        )
    meetings = [event_to_meeting(row, client=client, tz=tz) for row in rows]
    return sorted(meetings, key=lambda m: (m.start, m.source_id))


def _params(body: str | None, since: date, *, skip: int) -> dict[str, str]:
    """The OData query; a body name's quotes are doubled, as OData string literals require."""
    query = f"EventDate ge datetime'{since.isoformat()}'"
    if body:
        query += " and EventBodyName eq '" + body.replace("'", "''") + "'"
    return {"$filter": query, "$orderby": "EventDate asc", "$top": str(PAGE_SIZE), "$skip": str(skip)}


async def _page(
    url: str, client: str, *, session: aiohttp.ClientSession, params: dict[str, str], seconds: float, max_bytes: int
) -> list[dict[str, Any]]:
    fetched = await fetch_response(
        url, session=session, timeout=seconds, max_bytes=max_bytes, params=params,
        headers={"Accept": "application/json"}, label="Legistar",
    )
    text = fetched.body.decode("utf-8-sig", errors="replace")
    if _UNKNOWN_CLIENT.lower() in text.lower():
        raise SourceError(f"Legistar has no client called `{client}`. Check the name in the InSite address.")
    if fetched.status == 400:
        raise SourceError(f"Legistar rejected the query: {_message(text)}")
    if not fetched.ok:
        raise SourceError(f"Legistar answered HTTP {fetched.status}.")
    try:
        rows = json.loads(text)
    except json.JSONDecodeError:
        raise SourceError("Legistar did not send JSON.") from None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise SourceError("Legistar sent something other than a list of events.")
    return rows


def event_to_meeting(row: dict[str, Any], *, client: str, tz: ZoneInfo) -> Meeting:
    """One Legistar event row as a Meeting; a row without an id or a date is a SourceError."""
    event_id = row.get("EventId")
    raw_date = row.get("EventDate")
    if event_id is None or not isinstance(raw_date, str):
        raise SourceError("Legistar sent an event without an id or a date.")
    try:
        day = datetime.fromisoformat(raw_date[:19]).date()
    except ValueError:
        raise SourceError(f"Legistar event {event_id} has an unreadable date.") from None
    at = parse_event_time(row.get("EventTime"))
    if at is None:
        start, end, all_day = localize(day, time(0), tz), localize(day + timedelta(days=1), time(0), tz), True
    else:
        start = localize(day, at, tz)
        end, all_day = start + DEFAULT_LENGTH, False
    comment = _str(row.get("EventComment"))
    cancelled = says_cancelled(comment, _str(row.get("EventAgendaStatusName")))
    links = tuple(
        (title, href)
        for title, key in _LINK_FIELDS
        if (href := _str(row.get(key))).lower().startswith(("http://", "https://"))
    )
    return Meeting(
        source_id=str(event_id),
        title=_str(row.get("EventBodyName")) or "Meeting",
        start=start,
        end=end,
        all_day=all_day,
        location=_str(row.get("EventLocation")),
        description=comment,
        links=links,
        status="cancelled" if cancelled else "confirmed",
        source=f"legistar:{client}",
    )


def parse_event_time(value: Any) -> time | None:
    """``"7:00 PM"``, ``"9 AM"``, ``"19:00"`` as a time; ``None`` when absent or unreadable."""
    text = _str(value)
    if m := _TIME_12H.fullmatch(text):
        hour, minute = int(m.group(1)), int(m.group(2) or 0)
        if 1 <= hour <= 12 and minute < 60:
            return time(hour % 12 + (12 if m.group(3).lower() == "p" else 0), minute)
        return None
    if m := _TIME_24H.fullmatch(text):
        hour, minute = int(m.group(1)), int(m.group(2))
        return time(hour, minute) if hour < 24 and minute < 60 else None
    return None


def _message(text: str) -> str:
    """The ``Message`` of a Legistar error body, one short line."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        document = None
    message = document.get("Message") if isinstance(document, dict) else None
    flat = " ".join(str(message or "no reason given").replace("`", "'").split())
    return flat[:200]


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
