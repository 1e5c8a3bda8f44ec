"""Timers: checks that must run at a time (an offer expires, a staffing check, the digest).

Like deliveries they live in the database, so a restart loses none; the scheduler only wakes the
process when the next one is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.store.base import Queries
from bot.timeparse import from_iso, iso_utc


@dataclass(frozen=True)
class Timer:
    id: int
    key: str
    kind: str
    ref: int | None
    due_at: datetime


class TimerQueries(Queries):
    async def set_timer(self, key: str, kind: str, ref: int | None, due_at: datetime, now: datetime) -> None:
        """Create the timer, or move it if it has not fired yet."""
        await self.run(
            "INSERT INTO timers (key, kind, ref, due_at, created_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET due_at = excluded.due_at, state = 'pending' "
            "WHERE timers.state != 'done'",
            (key, kind, ref, iso_utc(due_at), iso_utc(now)),
        )

    async def cancel_timers(self, *, kind: str, ref: int | None, keep: str = "",
                            after: datetime | None = None) -> None:
        """Cancel the pending timers of ``kind`` for ``ref`` (None: the campaign-wide ones), except the
        one keyed ``keep``; with ``after``, only those due later (one already due still runs)."""
        await self.run("UPDATE timers SET state = 'cancelled' WHERE kind = ? AND ref IS ? AND state = 'pending' "
                       "AND key != ? AND due_at > ?",
                       (kind, ref, keep, iso_utc(after) if after is not None else ""))

    async def due_timers(self, now: datetime, *, limit: int = 100) -> list[Timer]:
        rows = await self.all(
            "SELECT id, key, kind, ref, due_at FROM timers WHERE state = 'pending' AND due_at <= ? "
            "ORDER BY due_at, id LIMIT ?",
            (iso_utc(now), limit),
        )
        return [Timer(r["id"], r["key"], r["kind"], r["ref"], from_iso(r["due_at"])) for r in rows]

    async def next_timer(self) -> datetime | None:
        value = await self.scalar("SELECT MIN(due_at) FROM timers WHERE state = 'pending'")
        return None if value is None else from_iso(value)

    async def finish_timer(self, timer_id: int) -> bool:
        """Mark a timer done; False if another runner already took it."""
        return await self.run("UPDATE timers SET state = 'done' WHERE id = ? AND state = 'pending'",
                              (timer_id,)) == 1
