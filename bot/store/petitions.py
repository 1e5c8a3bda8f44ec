"""Petitions and their count history (snapshots feed "+N since yesterday" and the chart)."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.domain import Petition
from bot.store.base import Queries
from bot.timeparse import from_iso, iso_utc


def _petition_from(row: aiosqlite.Row) -> Petition:
    return Petition(
        row["id"], row["name"], row["goal"], row["online"], row["paper"], row["link"], row["source"],
        poll_minutes=row["poll_minutes"], milestones=row["milestones"],
        milestone_announced=row["milestone_announced"], goal_announced=bool(row["goal_announced"]),
        failures=row["failures"], failure_reported=bool(row["failure_reported"]), last_error=row["last_error"],
    )


class PetitionQueries(Queries):
    async def create_petition(
        self, name: str, goal: int, link: str, now: datetime, *, source: str = "manual", poll_minutes: int = 10,
        milestones: str | None = None,
    ) -> Petition:
        stamp = iso_utc(now)
        petition_id = await self.insert(
            "INSERT INTO petitions (name, goal, link, source, poll_minutes, milestones, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (name, goal, link, source, poll_minutes, milestones, stamp, stamp),
        )
        await self._snapshot(petition_id, now)
        found = await self.petition_by_id(petition_id)
        assert found is not None
        return found

    async def petition(self, name: str) -> Petition | None:
        row = await self.one("SELECT * FROM petitions WHERE name = ?", (name,))
        return None if row is None else _petition_from(row)

    async def petition_by_id(self, petition_id: int) -> Petition | None:
        row = await self.one("SELECT * FROM petitions WHERE id = ?", (petition_id,))
        return None if row is None else _petition_from(row)

    async def petitions(self) -> list[Petition]:
        return [_petition_from(r) for r in await self.all("SELECT * FROM petitions ORDER BY id")]

    async def update_petition(
        self, petition_id: int, now: datetime, *, online: int | None = None, paper: int | None = None,
        goal: int | None = None,
    ) -> Petition:
        sets, values = [], []
        for column, value in (("online", online), ("paper", paper), ("goal", goal)):
            if value is not None:
                sets.append(f"{column} = ?")
                values.append(value)
        if sets:
            await self.run(
                f"UPDATE petitions SET {', '.join(sets)}, updated_at = ? WHERE id = ?",
                (*values, iso_utc(now), petition_id),
            )
        if online is not None or paper is not None:
            await self._snapshot(petition_id, now)
        found = await self.petition_by_id(petition_id)
        assert found is not None
        return found

    async def set_petition_source(self, petition_id: int, source: str, poll_minutes: int) -> None:
        await self.run(
            "UPDATE petitions SET source = ?, poll_minutes = ?, failures = 0, failure_reported = 0, last_error = NULL "
            "WHERE id = ?",
            (source, poll_minutes, petition_id),
        )

    async def set_petition_flags(
        self, petition_id: int, *, milestone_announced: int | None = None, goal_announced: bool | None = None,
        milestones: str | None = None,
    ) -> None:
        for column, value in (("milestone_announced", milestone_announced), ("goal_announced", goal_announced),
                              ("milestones", milestones)):
            if value is not None:
                await self.run(f"UPDATE petitions SET {column} = ? WHERE id = ?", (value, petition_id))

    async def record_poll(self, petition_id: int, now: datetime, *, error: str | None) -> Petition:
        """Count a poll's outcome: a failure adds to the streak, a success ends it."""
        if error is None:
            await self.run(
                "UPDATE petitions SET failures = 0, last_error = NULL, polled_at = ? WHERE id = ?",
                (iso_utc(now), petition_id),
            )
        else:
            await self.run(
                "UPDATE petitions SET failures = failures + 1, last_error = ?, polled_at = ? WHERE id = ?",
                (error[:300], iso_utc(now), petition_id),
            )
        found = await self.petition_by_id(petition_id)
        assert found is not None
        return found

    async def set_failure_reported(self, petition_id: int, reported: bool) -> None:
        await self.run("UPDATE petitions SET failure_reported = ? WHERE id = ?", (int(reported), petition_id))

    async def _snapshot(self, petition_id: int, now: datetime) -> None:
        await self.run(
            "INSERT INTO petition_counts (petition_id, at, total) "
            "SELECT id, ?, online + paper FROM petitions WHERE id = ? "
            "ON CONFLICT (petition_id, at) DO UPDATE SET total = excluded.total",
            (iso_utc(now), petition_id),
        )

    async def total_at(self, petition_id: int, instant: datetime) -> int | None:
        """The last recorded total at or before ``instant`` (None when there was none yet)."""
        return await self.scalar(
            "SELECT total FROM petition_counts WHERE petition_id = ? AND at <= ? ORDER BY at DESC LIMIT 1",
            (petition_id, iso_utc(instant)),
        )

    async def history(self, petition_id: int) -> list[tuple[datetime, int]]:
        rows = await self.all(
            "SELECT at, total FROM petition_counts WHERE petition_id = ? ORDER BY at", (petition_id,)
        )
        return [(from_iso(r["at"]), r["total"]) for r in rows]
