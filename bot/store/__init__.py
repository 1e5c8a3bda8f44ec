"""SQLite storage behind one small interface: ``transaction()`` to change, ``snapshot()`` to read.

One writer connection serialised by a lock (SQLite allows one writer anyway), one read-only
connection that sees committed data only (WAL). Each ``transaction()`` is ``BEGIN IMMEDIATE``
... ``COMMIT``, rolled back on any error, so every state change is all or nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import aiosqlite

from bot.store.tx import Tx

log = logging.getLogger(__name__)

__all__ = ["Store", "Tx"]


def _migrations() -> list[tuple[int, str, str]]:
    found = []
    for entry in resources.files("bot").joinpath("migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class Store:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._read_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: str | Path) -> Store:
        store = cls(path)
        await store.connect()
        return store

    async def connect(self) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._writer = await self._connect()
        await self._writer.execute("PRAGMA journal_mode=WAL")
        await self._writer.execute("PRAGMA synchronous=NORMAL")
        await self.migrate()
        self._reader = await self._connect()
        await self._reader.execute("PRAGMA query_only=ON")

    async def _connect(self) -> aiosqlite.Connection:
        db = await aiosqlite.connect(self.path, isolation_level=None)
        db.row_factory = aiosqlite.Row
        await db.execute("PRAGMA foreign_keys=ON")
        await db.execute("PRAGMA busy_timeout=5000")
        return db

    async def migrate(self) -> int:
        """Apply numbered migrations newer than the file's ``user_version``; returns the version."""
        assert self._writer is not None
        async with self._writer.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        current = row[0] if row else 0
        for number, name, sql in _migrations():
            if number <= current:
                continue
            log.info("applying migration %s", name)
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                for statement in _statements(sql):
                    await self._writer.execute(statement)
                await self._writer.execute(f"PRAGMA user_version={number:d}")
                await self._writer.execute("COMMIT")
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            current = number
        return current

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        assert self._writer is not None, "store is not open"
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self._writer)
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            else:
                await self._writer.execute("COMMIT")

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Tx]:
        """A consistent read of committed data; writes through it fail."""
        assert self._reader is not None, "store is not open"
        async with self._read_lock:
            await self._reader.execute("BEGIN")
            try:
                yield Tx(self._reader)
            finally:
                await self._reader.execute("COMMIT")

    async def integrity_check(self) -> str:
        assert self._writer is not None
        async with self._write_lock, self._writer.execute("PRAGMA integrity_check") as cur:
            row = await cur.fetchone()
        return str(row[0]) if row else "no answer"

    async def close(self) -> None:
        if self._writer is not None:
            # Keeps the query planner's statistics current as the campaign grows (cheap when nothing changed).
            async with self._write_lock:
                await self._writer.execute("PRAGMA optimize")
        for db in (self._reader, self._writer):
            if db is not None:
                await db.close()
        self._reader = self._writer = None


def _statements(sql: str) -> list[str]:
    """Split a migration file into statements (no semicolons inside our migrations' literals)."""
    lines = [line for line in sql.splitlines() if not line.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
