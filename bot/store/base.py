"""What every group of queries shares: the connection, its trips, and a few row helpers.

aiosqlite runs each call on the connection's own thread; one hand-off there and back (a *trip*)
costs 50-100 µs, more than most of our queries. Two habits keep trips few: transaction control
(``BEGIN``, ``SAVEPOINT``, ``RELEASE``) waits in ``Link.carry`` and rides along with the next query
instead of costing a trip of its own, and a change that needs several statements runs them in one
trip with ``Queries.call``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")


def like_escape(text: str) -> str:
    """``text`` matched literally by ``LIKE ... ESCAPE '\\'``."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class StoreError(Exception):
    """A change could not be saved, so nothing of it was kept; trying again later may work."""


class Link:
    """A connection and the statements waiting to go with its next trip."""

    def __init__(self, db: aiosqlite.Connection, *, in_transaction: bool = False) -> None:
        self.db = db
        #: Every query through this link belongs in a transaction (the writer's): one that finds none
        #: open (SQLite rolled it back under it) is refused rather than run, and kept, on its own.
        self.in_transaction = in_transaction
        self.carry: list[str] = []
        #: Trips made so far: the store tells from it whether a unit of work reached the database.
        self.trips = 0

    async def trip(self, fn: Callable[..., T], *args: Any, check: bool = True) -> T:
        """Run ``fn(connection, *args)`` on the connection's thread, after any carried statements."""
        carry, self.carry = self.carry, []
        self.trips += 1
        # aiosqlite has no public "run this on the connection's thread"; ``_execute`` is exactly that
        # (every public method is built on it). pyproject pins aiosqlite below the next minor version.
        return await self.db._execute(_carried, self.db._conn, carry, self.in_transaction and check, fn, args)


def _carried(conn: sqlite3.Connection, carry: list[str], need_transaction: bool, fn: Callable[..., T],
             args: tuple[Any, ...]) -> T:
    try:
        for statement in carry:
            conn.execute(statement)
    except sqlite3.OperationalError as exc:  # typically: another process held the write lock too long
        raise StoreError(f"could not start the change ({exc})") from exc
    if need_transaction and not conn.in_transaction:
        raise StoreError("the database undid this change's transaction; nothing was kept")
    return fn(conn, *args)


def _fetchall(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> list[sqlite3.Row]:
    return conn.execute(sql, params).fetchall()


def _rowcount(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> int:
    return conn.execute(sql, params).rowcount


def _lastrowid(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> int:
    rowid = conn.execute(sql, params).lastrowid
    assert rowid is not None
    return rowid


class Queries:
    def __init__(self, link: Link) -> None:
        self.link = link
        self._open = True

    def end(self) -> None:
        """The unit of work is over: a statement sent through it now would land in someone else's."""
        self._open = False

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(connection, *args)`` on the database thread: several statements, one trip.

        ``fn`` runs inside this transaction and must not commit, roll back or block on anything else.
        """
        if not self._open:
            raise StoreError("this transaction is over; open a new one")
        return await self.link.trip(fn, *args)

    async def one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        rows = await self.call(_fetchall, sql, tuple(params))
        return rows[0] if rows else None

    async def all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return await self.call(_fetchall, sql, tuple(params))

    async def scalar(self, sql: str, params: Iterable[Any] = ()) -> Any:
        row = await self.one(sql, params)
        return None if row is None else row[0]

    async def run(self, sql: str, params: Iterable[Any] = ()) -> int:
        """Execute a change; returns the number of rows it touched."""
        return await self.call(_rowcount, sql, tuple(params))

    async def insert(self, sql: str, params: Iterable[Any] = ()) -> int:
        return await self.call(_lastrowid, sql, tuple(params))
