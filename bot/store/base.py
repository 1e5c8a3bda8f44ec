"""What every group of queries shares: the connection and a few row helpers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import aiosqlite


class Queries:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db

    # Each call is one trip to aiosqlite's thread (execute and fetch together): at the few hundred
    # microseconds a trip costs, trips, not SQL, are what a sign-up spends its time on.
    async def one(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        rows = await self.db.execute_fetchall(sql, tuple(params))
        return next(iter(rows), None)

    async def all(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        return list(await self.db.execute_fetchall(sql, tuple(params)))

    async def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = await self.one(sql, params)
        return None if row is None else row[0]

    async def run(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Execute a change; returns the number of rows it touched."""
        cursor = await self.db.execute(sql, tuple(params))
        return cursor.rowcount  # no close(): another trip, and a finished sqlite3 cursor holds nothing

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        cursor = await self.db.execute(sql, tuple(params))
        assert cursor.lastrowid is not None
        return cursor.lastrowid
