"""Events and their roles, read with live counts per role (kept by triggers, see migration 0004)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.domain import Event, Role
from bot.store.base import Queries, like_escape
from bot.timeparse import from_iso, iso_utc

#: The longest an event may last (commands refuse longer; imported all-day meetings are shorter).
MAX_LENGTH = timedelta(days=14)
EDITABLE = {"title", "starts_at", "ends_at", "location", "about", "link", "remind", "kind"}


def _event_from(row: sqlite3.Row, roles: tuple[Role, ...]) -> Event:
    return Event(
        id=row["id"],
        title=row["title"],
        kind=row["kind"],
        starts_at=from_iso(row["starts_at"]),
        ends_at=from_iso(row["ends_at"]),
        location=row["location"],
        about=row["about"],
        link=row["link"],
        status=row["status"],
        cancel_reason=row["cancel_reason"],
        remind=row["remind"],
        source_key=row["source_key"],
        roles=roles,
        series_id=row["series_id"],
    )


def _events_with_roles(
    conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]
) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
    rows = conn.execute(sql, params).fetchall()
    if not rows:
        return rows, []
    if len(rows) == 1:  # the common case, twice as fast as going through json_each
        chosen, ids = "event_id = ?", (rows[0]["id"],)
    else:
        chosen, ids = "event_id IN (SELECT value FROM json_each(?))", (json.dumps([r["id"] for r in rows]),)
    roles = conn.execute(
        f"SELECT id, event_id, name, spots, confirmed, waitlisted, offered FROM roles WHERE {chosen} "
        "ORDER BY event_id, position",
        ids,
    ).fetchall()
    return rows, roles


def _events_from(rows: list[sqlite3.Row], role_rows: list[sqlite3.Row]) -> list[Event]:
    roles: dict[int, list[Role]] = {}
    for r in role_rows:
        roles.setdefault(r["event_id"], []).append(
            Role(r["id"], r["event_id"], r["name"], r["spots"], r["confirmed"], r["waitlisted"], r["offered"])
        )
    return [_event_from(r, tuple(roles.get(r["id"], ()))) for r in rows]


def read_event(conn: sqlite3.Connection, event_id: int) -> Event | None:
    """One event with its roles, read on the database thread."""
    events = _events_from(*_events_with_roles(conn, "SELECT * FROM events WHERE id = ?", (event_id,)))
    return events[0] if events else None


def _create_event(conn: sqlite3.Connection, fields: tuple[Any, ...], roles: tuple[tuple[str, int | None], ...],
                  stamp: str) -> Event:
    """The event (``fields`` in the order of the insert below) and its roles, in one trip."""
    event_id = conn.execute(
        "INSERT INTO events (title, kind, starts_at, ends_at, location, about, link, remind, source_key, "
        "series_id, created_by, calendar_id, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*fields, stamp, stamp),
    ).lastrowid
    conn.executemany("INSERT INTO roles (event_id, name, spots, position) VALUES (?, ?, ?, ?)",
                     [(event_id, name, spots, position) for position, (name, spots) in enumerate(roles)])
    event = read_event(conn, event_id)
    assert event is not None
    return event


def _adopt(conn: sqlite3.Connection, event_id: int, calendar_id: int, source_key: str) -> str:
    owner, key = conn.execute("SELECT calendar_id, source_key FROM events WHERE id = ?", (event_id,)).fetchone()
    if owner is not None and owner != calendar_id:
        return "theirs"
    if owner is None:
        conn.execute("UPDATE events SET calendar_id = ? WHERE id = ?", (calendar_id, event_id))
    taken = conn.execute("SELECT 1 FROM events WHERE source_key = ?", (source_key,)).fetchone() is not None
    if key != source_key and not taken:  # taken: a duplicate calendar's copy has it; this one keeps its old key
        conn.execute("UPDATE events SET source_key = ? WHERE id = ?", (source_key, event_id))
    return "adopted" if owner is None else "ours"


class EventQueries(Queries):
    async def create_event(
        self,
        *,
        title: str,
        starts_at: datetime,
        ends_at: datetime,
        roles: Sequence[tuple[str, int | None]],
        now: datetime,
        location: str = "",
        about: str = "",
        link: str = "",
        kind: str = "event",
        remind: str | None = None,
        source_key: str | None = None,
        series_id: int | None = None,
        created_by: int | None = None,
        calendar_id: int | None = None,
    ) -> Event:
        fields = (title, kind, iso_utc(starts_at), iso_utc(ends_at), location, about, link, remind, source_key,
                  series_id, created_by, calendar_id)
        return await self.call(_create_event, fields, tuple(roles), iso_utc(now))

    async def _events(self, sql: str, params: Sequence[Any] = ()) -> list[Event]:
        """Events chosen by ``sql`` (a ``SELECT *`` from events), each with its roles: one trip."""
        return _events_from(*await self.call(_events_with_roles, sql, tuple(params)))

    async def events_by_id(self, event_ids: Sequence[int]) -> dict[int, Event]:
        events = await self._events("SELECT * FROM events WHERE id IN (SELECT value FROM json_each(?))",
                                    (json.dumps(list(event_ids)),))
        return {e.id: e for e in events}

    async def event(self, event_id: int) -> Event | None:
        return await self.call(read_event, event_id)

    async def adopt_event(self, event_id: int, calendar_id: int, source_key: str) -> str:
        """Take an imported event for the calendar, under its current source key when that is free:
        ``"ours"`` (it was already), ``"adopted"`` (its calendar was removed) or ``"theirs"`` (another
        calendar imports it; nothing changed)."""
        return await self.call(_adopt, event_id, calendar_id, source_key)

    async def event_by_source(self, source_key: str) -> Event | None:
        events = await self._events("SELECT * FROM events WHERE source_key = ?", (source_key,))
        return events[0] if events else None

    async def orphan_by_source_id(self, kind: str, source_id: str, title: str, starts_at: datetime) -> Event | None:
        """An event imported from a ``kind`` source whose calendar was removed, with this source id (an
        iCalendar UID) and the same title or start: the same meeting, brought by a feed whose address
        changed (a secret link reset). Keys are ``kind:<16 hex>:<source id>``."""
        events = await self._events(
            "SELECT * FROM events WHERE calendar_id IS NULL AND source_key GLOB ? AND substr(source_key, ?) = ? "
            "AND (title = ? OR starts_at = ?) ORDER BY id LIMIT 1",
            (f"{kind}:*", len(kind) + 19, source_id, title, iso_utc(starts_at)))
        return events[0] if events else None

    async def calendar_events(
        self, calendar_id: int, *, after: datetime, before: datetime | None = None, include_cancelled: bool = False,
    ) -> list[Event]:
        """A calendar's imported events starting after ``after`` (and before ``before``), soonest first."""
        sql = "SELECT * FROM events WHERE calendar_id = ? AND starts_at > ?"
        params: list[Any] = [calendar_id, iso_utc(after)]
        if before is not None:
            sql += " AND starts_at < ?"
            params.append(iso_utc(before))
        if not include_cancelled:
            sql += " AND status = 'scheduled'"
        return await self._events(sql + " ORDER BY starts_at, id", params)

    async def upcoming_events(self, now: datetime, *, limit: int = 25, offset: int = 0,
                              include_cancelled: bool = False) -> list[Event]:
        """Events that have not ended yet, soonest first (from the ``offset``-th on)."""
        status = "" if include_cancelled else "AND status = 'scheduled'"
        # Events last at most MAX_LENGTH, so the start bound lets the index skip the past.
        return await self._events(
            f"SELECT * FROM events WHERE starts_at > ? AND ends_at > ? {status} ORDER BY starts_at, id "
            "LIMIT ? OFFSET ?",
            (iso_utc(now - MAX_LENGTH), iso_utc(now), limit, offset),
        )

    async def same_events(self, title: str, starts_at: datetime) -> list[int]:
        """Ids of scheduled events of this title (any capitalisation) that start at this moment."""
        rows = await self.all("SELECT id FROM events WHERE status = 'scheduled' AND starts_at = ? "
                              "AND lower(title) = lower(?) ORDER BY id", (iso_utc(starts_at), title))
        return [r["id"] for r in rows]

    async def series_dates(self, series_id: int, *, since: datetime) -> list[Event]:
        """A series' dates that are not cancelled and start at ``since`` or later, soonest first."""
        return await self._events(
            "SELECT * FROM events WHERE series_id = ? AND starts_at >= ? AND status = 'scheduled' "
            "ORDER BY starts_at, id", (series_id, iso_utc(since)))

    async def all_events(self) -> list[Event]:
        return await self._events("SELECT * FROM events ORDER BY starts_at, id")

    async def search_events(self, text: str, now: datetime, *, limit: int = 25) -> list[Event]:
        like = "%" + like_escape(text) + "%"
        return await self._events(
            "SELECT * FROM events WHERE ends_at > ? AND status = 'scheduled' AND title LIKE ? ESCAPE '\\' "
            "ORDER BY starts_at, id LIMIT ?",
            (iso_utc(now), like, limit),
        )

    async def update_event(self, event_id: int, changes: dict[str, Any], now: datetime) -> None:
        unknown = set(changes) - EDITABLE
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        if not changes:
            return
        values = {k: iso_utc(v) if isinstance(v, datetime) else v for k, v in changes.items()}
        assignments = ", ".join(f"{k} = ?" for k in values)
        await self.run(
            f"UPDATE events SET {assignments}, updated_at = ? WHERE id = ?",
            (*values.values(), iso_utc(now), event_id),
        )

    async def set_role_spots(self, role_id: int, spots: int | None) -> None:
        await self.run("UPDATE roles SET spots = ? WHERE id = ?", (spots, role_id))

    async def remove_role(self, role_id: int) -> None:
        """Remove a role nobody holds or waits for (its cancelled sign-ups go with it)."""
        await self.run("DELETE FROM roles WHERE id = ?", (role_id,))

    async def add_role(self, event_id: int, name: str, spots: int | None) -> None:
        position = await self.scalar("SELECT COALESCE(MAX(position), -1) + 1 FROM roles WHERE event_id = ?",
                                     (event_id,))
        await self.run("INSERT INTO roles (event_id, name, spots, position) VALUES (?, ?, ?, ?)",
                       (event_id, name, spots, position))

    async def series_events_after(self, series_id: int, after: datetime) -> list[Event]:
        """A series' scheduled dates starting after ``after``, soonest first."""
        return await self._events(
            "SELECT * FROM events WHERE series_id = ? AND starts_at > ? AND status = 'scheduled' "
            "ORDER BY starts_at, id",
            (series_id, iso_utc(after)),
        )

    async def cancel_event(self, event_id: int, reason: str | None, now: datetime) -> None:
        await self.run(
            "UPDATE events SET status = 'cancelled', cancel_reason = ?, updated_at = ? WHERE id = ?",
            (reason, iso_utc(now), event_id),
        )
