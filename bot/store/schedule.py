"""Scheduled announcements and recurring series."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from bot.store.base import Queries
from bot.timeparse import from_iso, iso_utc


@dataclass(frozen=True)
class Announcement:
    id: int
    text: str
    due_at: datetime
    state: str


@dataclass(frozen=True)
class Series:
    id: int
    rule: str
    local_time: time
    first_date: date
    length_min: int
    #: Everything an occurrence copies: title, location, about, link, roles, remind.
    template: dict[str, Any]
    #: The zone ``local_time`` is in (the campaign's when the series was made); None only for a series
    #: made before series kept one, until the next start-up fills it in.
    tz: str | None = None


def _series_from(r: sqlite3.Row) -> Series:
    return Series(r["id"], r["rule"], time.fromisoformat(r["local_time"]), date.fromisoformat(r["first_date"]),
                  r["length_min"], json.loads(r["template"]), r["tz"])


class ScheduleQueries(Queries):
    async def add_announcement(self, text: str, due_at: datetime, person_id: int | None, now: datetime) -> int:
        return await self.insert(
            "INSERT INTO announcements (text, due_at, created_by, created_at) VALUES (?, ?, ?, ?)",
            (text, iso_utc(due_at), person_id, iso_utc(now)),
        )

    async def pending_announcements(self) -> list[Announcement]:
        rows = await self.all("SELECT * FROM announcements WHERE state = 'pending' ORDER BY due_at, id")
        return [Announcement(r["id"], r["text"], from_iso(r["due_at"]), r["state"]) for r in rows]

    async def announcement(self, announcement_id: int) -> Announcement | None:
        r = await self.one("SELECT * FROM announcements WHERE id = ?", (announcement_id,))
        return None if r is None else Announcement(r["id"], r["text"], from_iso(r["due_at"]), r["state"])

    async def set_announcement_state(self, announcement_id: int, state: str) -> None:
        await self.run("UPDATE announcements SET state = ? WHERE id = ?", (state, announcement_id))

    async def add_series(
        self, rule: str, local_time: time, first_date: date, length_min: int, template: dict[str, Any], now: datetime,
        *, tz: str,
    ) -> int:
        return await self.insert(
            "INSERT INTO series (rule, local_time, first_date, length_min, template, created_at, tz) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (rule, local_time.strftime("%H:%M"), first_date.isoformat(), length_min, json.dumps(template),
             iso_utc(now), tz),
        )

    async def give_series_a_zone(self, tz: str) -> int:
        """Series made before series kept their zone get ``tz``; returns how many."""
        return await self.run("UPDATE series SET tz = ? WHERE tz IS NULL", (tz,))

    async def active_series(self) -> list[Series]:
        return [_series_from(r) for r in await self.all("SELECT * FROM series WHERE active = 1 ORDER BY id")]

    async def live_series(self, series_id: int) -> Series | None:
        """The series while it still makes dates (None once ended)."""
        row = await self.one("SELECT * FROM series WHERE id = ? AND active = 1", (series_id,))
        return None if row is None else _series_from(row)

    async def set_series_template(self, series_id: int, template: dict[str, Any]) -> None:
        await self.run("UPDATE series SET template = ? WHERE id = ?", (json.dumps(template), series_id))

    async def end_series(self, series_id: int) -> bool:
        """No more dates are made for the series; False when it had ended already."""
        return await self.run("UPDATE series SET active = 0 WHERE id = ? AND active = 1", (series_id,)) == 1

    async def forget_series_creator(self, person_id: int) -> None:
        """Series templates no longer name the person (their later dates are nobody's creation)."""
        await self.run("UPDATE series SET template = json_remove(template, '$.created_by') "
                       "WHERE json_extract(template, '$.created_by') = ?", (person_id,))
