"""People: the only personal data Turnout keeps (platform id, display name, two preferences)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import datetime

from bot.domain import Person
from bot.store.base import Queries
from bot.store.writer import together
from bot.timeparse import iso_utc


def person_from(row: sqlite3.Row, prefix: str = "") -> Person:
    return Person(
        id=row[f"{prefix}id"],
        platform=row[f"{prefix}platform"],
        user_id=row[f"{prefix}user_id"],
        display_name=row[f"{prefix}display_name"],
        tz=row[f"{prefix}tz"],
        reminders=bool(row[f"{prefix}reminders"]),
    )


PERSON_COLUMNS = "p.id AS p_id, p.platform AS p_platform, p.user_id AS p_user_id, " \
    "p.display_name AS p_display_name, p.tz AS p_tz, p.reminders AS p_reminders"


#: Rows in one multi-row upsert (four parameters each, well under SQLite's limit of 32,766).
_UPSERT_ROWS = 250
_UPSERT = (
    "INSERT INTO people (platform, user_id, display_name, created_at) VALUES {rows} "
    "ON CONFLICT (platform, user_id) DO UPDATE SET display_name = excluded.display_name "
    "WHERE people.display_name != excluded.display_name RETURNING *"
)


def upsert_people(conn: sqlite3.Connection, calls: list[tuple[str, str, str, datetime]]) -> list[Person]:
    """Many people at once (a crowd's first contact): one statement per few hundred."""
    found: dict[tuple[str, str], Person] = {}
    for start in range(0, len(calls), _UPSERT_ROWS):
        chunk = calls[start:start + _UPSERT_ROWS]
        params = [value for platform, user_id, name, now in chunk for value in (platform, user_id, name, iso_utc(now))]
        # Created or renamed rows come back (in no set order); a person named twice in one chunk is
        # left with the last name.
        for row in conn.execute(_UPSERT.format(rows=", ".join(["(?, ?, ?, ?)"] * len(chunk))), params):
            person = person_from(row)
            found[person.platform, person.user_id] = person
    out = []
    for platform, user_id, name, _ in calls:
        person = found.get((platform, user_id)) or find_person(conn, platform, user_id)  # already there as it is
        assert person is not None
        # Someone renamed twice in one group: each call sees the name it gave, as one by one.
        out.append(person if person.display_name == name else replace(person, display_name=name))
    return out


@together(upsert_people)
def upsert_person(conn: sqlite3.Connection, platform: str, user_id: str, name: str, now: datetime) -> Person:
    """The person behind a platform id, created on first contact; the display name kept current."""
    return upsert_people(conn, [(platform, user_id, name, now)])[0]


def find_people(conn: sqlite3.Connection, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Person]:
    """The stored people among ``(platform, user id)`` keys (a crowd's first clicks), in one query."""
    rows = conn.execute(
        "SELECT * FROM people WHERE (platform, user_id) IN "
        "(SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?))",
        (json.dumps(keys),),
    )
    found = {}
    for row in rows:
        person = person_from(row)
        found[person.platform, person.user_id] = person
    return found


def find_person(conn: sqlite3.Connection, platform: str, user_id: str) -> Person | None:
    row = conn.execute("SELECT * FROM people WHERE platform = ? AND user_id = ?", (platform, user_id)).fetchone()
    return None if row is None else person_from(row)


class PeopleQueries(Queries):
    async def upsert_person(self, platform: str, user_id: str, display_name: str, now: datetime) -> Person:
        return await self.call(upsert_person, platform, user_id, display_name, now)

    async def find_person(self, platform: str, user_id: str) -> Person | None:
        return await self.call(find_person, platform, user_id)

    async def person(self, person_id: int) -> Person | None:
        row = await self.one("SELECT * FROM people WHERE id = ?", (person_id,))
        return None if row is None else person_from(row)

    async def set_timezone(self, person_id: int, tz: str | None) -> None:
        await self.run("UPDATE people SET tz = ? WHERE id = ?", (tz, person_id))

    async def set_reminders(self, person_id: int, on: bool) -> None:
        await self.run("UPDATE people SET reminders = ? WHERE id = ?", (int(on), person_id))

    async def delete_person(self, person_id: int) -> None:
        """Delete the person; sign-ups and deliveries about them go with them (foreign keys)."""
        await self.run("DELETE FROM people WHERE id = ?", (person_id,))
