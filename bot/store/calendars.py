"""Imported calendars: where council meetings come from, and how the last sync went.

The failure columns make reporting idempotent: ``failures`` counts consecutive failed syncs and
``failure_reported`` remembers that organizers were told, so a source that stays down is reported
once and a source that comes back is announced once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.store.base import Queries
from bot.timeparse import from_iso, iso_utc


@dataclass(frozen=True)
class Calendar:
    id: int
    name: str
    #: ``ics:<url>``, ``legistar:<client>[:<body>]`` or ``file:<name>`` (imported by ``turnout import-ics``).
    spec: str
    speak_spots: int
    failures: int
    failure_reported: bool
    last_error: str | None
    synced_at: datetime | None
    created_at: datetime


def _calendar_from(row: aiosqlite.Row) -> Calendar:
    return Calendar(
        id=row["id"],
        name=row["name"],
        spec=row["spec"],
        speak_spots=row["speak_spots"],
        failures=row["failures"],
        failure_reported=bool(row["failure_reported"]),
        last_error=row["last_error"],
        synced_at=from_iso(row["synced_at"]) if row["synced_at"] else None,
        created_at=from_iso(row["created_at"]),
    )


class CalendarQueries(Queries):
    async def add_calendar(self, name: str, spec: str, speak_spots: int, now: datetime) -> Calendar:
        """A new calendar whose id was never used before, not even by a removed one.

        Events imported before source keys named their origin keep ``cal:<id>:...`` until their
        calendar meets them again; SQLite would hand the highest id out again, and an unrelated new
        calendar would then adopt them.
        """
        used = await self.scalar(
            "SELECT MAX(n) FROM (SELECT MAX(id) AS n FROM calendars UNION ALL "
            "SELECT MAX(calendar_id) FROM events UNION ALL "
            "SELECT MAX(CAST(substr(source_key, 5, instr(substr(source_key, 5), ':') - 1) AS INTEGER)) "
            "FROM events WHERE source_key LIKE 'cal:%')"
        )
        calendar_id = await self.insert(
            "INSERT INTO calendars (id, name, spec, speak_spots, created_at) VALUES (?, ?, ?, ?, ?)",
            ((used or 0) + 1, name, spec, speak_spots, iso_utc(now)),
        )
        calendar = await self.calendar(calendar_id)
        assert calendar is not None
        return calendar

    async def calendar(self, calendar_id: int) -> Calendar | None:
        row = await self.one("SELECT * FROM calendars WHERE id = ?", (calendar_id,))
        return None if row is None else _calendar_from(row)

    async def calendar_named(self, name: str) -> Calendar | None:
        row = await self.one("SELECT * FROM calendars WHERE name = ?", (name,))
        return None if row is None else _calendar_from(row)

    async def calendars(self) -> list[Calendar]:
        return [_calendar_from(r) for r in await self.all("SELECT * FROM calendars ORDER BY name")]

    async def remove_calendar(self, calendar_id: int) -> int:
        """Delete the calendar; its events stay (detached). Returns how many upcoming-or-past events it had."""
        count = await self.scalar("SELECT COUNT(*) FROM events WHERE calendar_id = ?", (calendar_id,))
        await self.run("DELETE FROM calendars WHERE id = ?", (calendar_id,))
        return int(count or 0)

    async def calendar_synced(self, calendar_id: int, now: datetime) -> None:
        await self.run(
            "UPDATE calendars SET failures = 0, failure_reported = 0, last_error = NULL, synced_at = ? WHERE id = ?",
            (iso_utc(now), calendar_id),
        )

    async def calendar_failed(self, calendar_id: int, error: str) -> int:
        """Count one more failure in a row; returns the count."""
        await self.run("UPDATE calendars SET failures = failures + 1, last_error = ? WHERE id = ?",
                       (error, calendar_id))
        return int(await self.scalar("SELECT failures FROM calendars WHERE id = ?", (calendar_id,)) or 0)

    async def set_calendar_failure_reported(self, calendar_id: int, reported: bool) -> None:
        await self.run("UPDATE calendars SET failure_reported = ? WHERE id = ?", (int(reported), calendar_id))
