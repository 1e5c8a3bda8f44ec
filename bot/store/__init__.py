"""SQLite storage behind one small interface: ``transaction()`` to change, ``snapshot()`` to read.

Every change goes through one writer: units of work (each ``transaction()``) queue up, and the
writer gives them the connection one at a time in order of arrival. Units that arrive while others
are running join the same SQLite transaction (group commit), each inside its own ``SAVEPOINT`` so a
unit that fails undoes only itself. Nobody leaves ``transaction()`` before the ``COMMIT`` that holds
their change: an answer a volunteer reads is on disk. A burst of a thousand sign-ups costs a
handful of commits instead of a thousand.

Reads use a second, read-only connection that sees committed data only (WAL).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.store.base import Link
from bot.store.tx import Tx

log = logging.getLogger(__name__)

__all__ = ["Store", "StoreError", "Tx"]

T = TypeVar("T")

#: Commits between two WAL checkpoints (each commit adds a few pages; SQLite's own default is 1,000 pages).
CHECKPOINT_EVERY = 100
#: Frames (pages) the WAL may hold before a checkpoint insists on starting it over (SQLite's own
#: automatic checkpoint runs at 1,000).
WAL_LIMIT = 1000
#: The most units one commit holds: bounds how long the first of a crowd waits for its answer.
MAX_BATCH = 200


class StoreError(Exception):
    """A change was undone by the database (its batch's commit failed); nothing of it was kept."""


def _migrations() -> list[tuple[int, str, str]]:
    found = []
    for entry in resources.files("bot").joinpath("migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class _Work:
    """Something queued for a connection; ``committed`` carries its answer once it is on disk."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.committed: asyncio.Future[Any] = loop.create_future()
        self.value: Any = None

    @property
    def abandoned(self) -> bool:
        """Its caller stopped waiting before it ran."""
        return self.committed.cancelled()

    def settle(self, error: BaseException | None = None) -> None:
        if self.committed.done():
            return
        if error is None:
            self.committed.set_result(self.value)
        else:
            self.committed.set_exception(error)


class _Unit(_Work):
    """One ``transaction()``: its body runs in its caller's task while the writer waits."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop)
        self.turn: asyncio.Future[None] = loop.create_future()  # the writer's go-ahead
        self.done: asyncio.Future[bool] = loop.create_future()  # the body finished: True = without error

    @property
    def abandoned(self) -> bool:
        return self.turn.cancelled()


class _Call(_Work):
    """A change or read written as one function (``Store.apply``, ``Store.read``), run on the thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        super().__init__(loop)
        self.fn, self.args = fn, args
        self.error: Exception | None = None

    def run(self, conn: sqlite3.Connection) -> bool:
        """Run on the database thread; False when ``fn`` raised (kept in ``error``)."""
        try:
            self.value = self.fn(conn, *self.args)
            return True
        except Exception as exc:
            self.error = exc
            return False


def _run_calls(conn: sqlite3.Connection, calls: list[_Call]) -> int:
    """Run function units back to back, each in its own savepoint; returns how many ran.

    Fewer than all means SQLite rolled back the whole transaction on the last one's error.
    """
    for ran, call in enumerate(calls):
        conn.execute("SAVEPOINT unit")
        if call.run(conn):
            conn.execute("RELEASE unit")
        elif not _undo_unit(conn):
            return ran
    return len(calls)


def _run_reads(conn: sqlite3.Connection, calls: list[_Call]) -> None:
    for call in calls:
        call.run(conn)


def _undo_unit(conn: sqlite3.Connection) -> bool:
    """Roll back one failed unit; False when the whole transaction is gone (SQLite rolled it back)."""
    if not conn.in_transaction:
        return False
    try:
        conn.execute("ROLLBACK TO unit")
        conn.execute("RELEASE unit")
        return True
    except sqlite3.Error:
        conn.execute("ROLLBACK")
        return False


def _commit(conn: sqlite3.Connection) -> None:
    conn.execute("COMMIT")


def _abandon(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _end_read(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("COMMIT")


class Store:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._writer: Link | None = None
        self._reader: Link | None = None
        self._read_lock = asyncio.Lock()
        self._queue: deque[_Work | None] = deque()  # None: close
        self._arrived = asyncio.Event()
        self._reads: list[_Call] = []  # waiting for the next read trip
        self._read_flush: asyncio.Future[None] | None = None
        self._write_loop: asyncio.Task[None] | None = None
        #: COMMITs the writer has issued: with group commit, fewer than the transactions asked for.
        self.commits = 0
        self._checkpointer: aiosqlite.Connection | None = None
        self._checkpointing: asyncio.Future[None] | None = None
        self._checkpointed_at = 0

    @classmethod
    async def open(cls, path: str | Path) -> Store:
        store = cls(path)
        await store.connect()
        return store

    async def connect(self) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        writer = await self._connect()
        await writer.execute("PRAGMA journal_mode=WAL")
        await writer.execute("PRAGMA synchronous=NORMAL")
        await _migrate(writer)
        reader = await self._connect()
        await reader.execute("PRAGMA query_only=ON")
        if self.path != ":memory:":
            # Checkpoints move off the commit path to a connection of their own (below): a commit that
            # ran one would hold up every change queued behind it for tens of milliseconds.
            await writer.execute("PRAGMA wal_autocheckpoint=0")
            self._checkpointer = await self._connect()
        self._writer, self._reader = Link(writer), Link(reader)
        self._write_loop = asyncio.create_task(self._write(self._writer), name="turnout-store-writer")

    async def _connect(self) -> aiosqlite.Connection:
        db = await aiosqlite.connect(self.path, isolation_level=None)
        db.row_factory = aiosqlite.Row
        await db.execute("PRAGMA foreign_keys=ON")
        await db.execute("PRAGMA busy_timeout=5000")
        return db

    @property
    def writer_trips(self) -> int:
        """Hand-offs to the writer's thread so far (what a burst of changes really costs)."""
        return 0 if self._writer is None else self._writer.trips

    @property
    def reader_trips(self) -> int:
        return 0 if self._reader is None else self._reader.trips

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """One unit of change: all of it is kept, or none. Returns only once it is committed."""
        assert self._writer is not None, "store is not open"
        unit = _Unit(asyncio.get_running_loop())
        self._enqueue(unit)
        try:
            await unit.turn
        except BaseException:
            if unit.turn.done() and not unit.turn.cancelled():
                unit.done.set_result(True)  # given the turn but cancelled before using it: nothing to undo
            raise
        finished = False
        try:
            yield Tx(self._writer)
            finished = True
        finally:
            unit.done.set_result(finished)
        await unit.committed

    async def apply(self, fn: Callable[..., T], *args: Any) -> T:
        """A change written as one plain function ``fn(connection, *args)``, run on the writer thread.

        The fast path for hot changes (a sign-up): function units queued back to back run in one trip
        to the thread, each in its own savepoint. Returns ``fn``'s result once it is committed; an
        exception ``fn`` raises is raised here, with its changes undone.
        """
        assert self._writer is not None, "store is not open"
        call = _Call(asyncio.get_running_loop(), fn, args)
        self._enqueue(call)
        return await call.committed  # type: ignore[no-any-return]

    def _enqueue(self, unit: _Work | None) -> None:
        self._queue.append(unit)
        self._arrived.set()

    async def _next(self) -> _Work | None:
        while not self._queue:
            self._arrived.clear()
            await self._arrived.wait()
        return self._queue.popleft()

    async def _write(self, link: Link) -> None:
        """The writer: gives the connection to each queued unit in turn and commits them in batches."""
        while (unit := await self._next()) is not None:
            batch: list[_Work] = []
            try:
                await self._write_batch(link, unit, batch)
            except Exception as exc:  # a bug here must not stall every later change
                log.exception("the store's writer failed; %d changes undone", len(batch))
                await self._drop(link, batch, StoreError(f"the change could not be saved ({exc})"))

    async def _write_batch(self, link: Link, unit: _Work, batch: list[_Work]) -> None:
        link.carry = ["BEGIN IMMEDIATE"]
        first_trip = link.trips
        while True:
            if isinstance(unit, _Call):
                calls = [unit]
                while len(batch) + len(calls) < MAX_BATCH and self._queue and isinstance(self._queue[0], _Call):
                    calls.append(self._queue.popleft())  # type: ignore[arg-type]
                outcomes = await self._run_calls(link, [c for c in calls if not c.abandoned])
            else:
                assert isinstance(unit, _Unit)
                outcomes = [] if unit.abandoned else [(unit, await self._run_unit(link, unit))]
            # Calls that never ran (a neighbour lost the transaction) go first into the next one.
            self._queue.extendleft(reversed([c for c, outcome in outcomes if outcome == "not run"]))
            for done, outcome in outcomes:
                if outcome == "kept":
                    batch.append(done)
                elif outcome == "lost":
                    await self._drop(link, batch, StoreError("the database undid this change with another one; "
                                                             "nothing was kept"))
                    link.carry, first_trip = ["BEGIN IMMEDIATE"], link.trips
            if len(batch) >= MAX_BATCH or not self._queue or self._queue[0] is None:
                break
            unit = self._queue.popleft()  # type: ignore[assignment]
        await self._commit(link, batch, touched=link.trips != first_trip)

    async def _drop(self, link: Link, batch: list[_Work], error: StoreError) -> None:
        """Give up the open transaction: every change in it fails with ``error``."""
        link.carry = []
        try:
            await link.trip(_abandon)
        except Exception:
            log.exception("rolling back the store's open transaction failed")
        for unit in batch:
            unit.settle(error)
        batch.clear()

    async def _run_calls(self, link: Link, calls: list[_Call]) -> list[tuple[_Work, str]]:
        if not calls:
            return []
        try:
            ran = await link.trip(_run_calls, calls)
        except Exception as exc:  # the carried BEGIN failed (another process holds the lock too long)
            for call in calls:
                call.settle(exc)
            return [(call, "lost") for call in calls]
        # When SQLite dropped the whole transaction at call ``ran``, the calls before it report "kept" and
        # are then settled as lost with the rest of the batch by the "lost" that follows them; the calls
        # after it never ran.
        outcomes: list[tuple[_Work, str]] = []
        for i, call in enumerate(calls):
            if i > ran:
                outcomes.append((call, "not run"))
            elif call.error is not None:
                call.settle(call.error)
                outcomes.append((call, "lost" if i == ran else "undone"))
            else:
                outcomes.append((call, "kept"))
        return outcomes

    async def _run_unit(self, link: Link, unit: _Unit) -> str:
        """Give ``unit`` the connection until its body ends.

        Returns "kept" (its change waits for the batch's commit), "undone" (it failed and its savepoint
        was rolled back) or "lost" (its failure took the whole open transaction with it).
        """
        before = link.trips
        link.carry.append("SAVEPOINT unit")
        unit.turn.set_result(None)
        ok = await unit.done
        if link.trips == before:  # it never reached the database: nothing ran, nothing to undo
            link.carry.pop()
            return "kept" if ok else "undone"
        if ok:
            link.carry.append("RELEASE unit")
            return "kept"
        try:
            intact = await link.trip(_undo_unit)
        except Exception as exc:
            log.error("could not roll back a failed change: %s", exc)
            intact = False
        return "undone" if intact else "lost"

    async def _commit(self, link: Link, batch: list[_Work], *, touched: bool) -> None:
        if not touched:
            link.carry = []
        else:
            try:
                await link.trip(_commit)
            except Exception as exc:
                log.error("commit failed; %d changes undone: %s", len(batch), exc)
                await self._drop(link, batch, StoreError(f"the change could not be saved ({exc})"))
                return
            self.commits += 1
            self._maybe_checkpoint()
        for unit in batch:
            unit.settle()

    def _maybe_checkpoint(self) -> None:
        """Copy the WAL back into the database beside the writer, at most one at a time, every so often."""
        if self._checkpointer is None or self._checkpointing is not None:
            return
        if self.commits - self._checkpointed_at < CHECKPOINT_EVERY:
            return
        self._checkpointed_at = self.commits
        self._checkpointing = asyncio.ensure_future(self._checkpoint(self._checkpointer))

    async def _checkpoint(self, db: aiosqlite.Connection) -> None:
        try:
            # PASSIVE never waits for the writer, but under steady writes the log then never empties
            # (SQLite starts it over only once every frame is copied): past WAL_LIMIT frames a RESTART
            # copies the few frames left while holding the writer back for a moment, and starts it over.
            async with db.execute("PRAGMA wal_checkpoint(PASSIVE)") as cursor:
                row = await cursor.fetchone()
            if row is not None and row[1] > WAL_LIMIT:
                await db.execute("PRAGMA wal_checkpoint(RESTART)")
        except Exception as exc:
            log.warning("WAL checkpoint failed (the next one retries): %s", exc)
        finally:
            self._checkpointing = None

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Tx]:
        """A consistent read of committed data; writes through it fail."""
        link = self._reader
        assert link is not None, "store is not open"
        async with self._read_lock:
            link.carry = ["BEGIN"]
            before = link.trips
            try:
                yield Tx(link)
            finally:
                link.carry = []
                if link.trips != before:
                    await link.trip(_end_read)

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """One read written as a plain function ``fn(connection, *args)``, outside any snapshot.

        Reads that arrive while others are on their way run together in one trip (a crowd of
        volunteers each looked up by platform id costs a few trips, not one each).
        """
        assert self._reader is not None, "store is not open"
        call = _Call(asyncio.get_running_loop(), fn, args)
        self._reads.append(call)
        if len(self._reads) == 1:
            self._read_flush = asyncio.ensure_future(self._flush_reads())
        return await call.committed  # type: ignore[no-any-return]

    async def _flush_reads(self) -> None:
        link = self._reader
        async with self._read_lock:
            calls, self._reads = self._reads, []
            try:
                assert link is not None, "store is not open"
                await link.trip(_run_reads, calls)
            except Exception as exc:  # the connection itself failed (closed under us)
                log.error("a read trip failed: %r", exc)
                for call in calls:
                    call.settle(StoreError(f"the read failed ({exc!r})"))
                return
        for call in calls:
            call.settle(call.error)

    async def integrity_check(self) -> str:
        async with self.transaction() as tx:
            return str(await tx.scalar("PRAGMA integrity_check"))

    async def close(self) -> None:
        if self._write_loop is not None:
            # Keeps the query planner's statistics current as the campaign grows (cheap when nothing changed).
            async with self.transaction() as tx:
                await tx.run("PRAGMA optimize")
            self._enqueue(None)
            await self._write_loop
            self._write_loop = None
        if self._checkpointing is not None:
            await self._checkpointing
        if self._checkpointer is not None:
            await self._checkpointer.close()
            self._checkpointer = None
        async with self._read_lock:  # no read trip is in flight
            for link in (self._reader, self._writer):
                if link is not None:
                    await link.db.close()
        self._reader = self._writer = None


async def _migrate(db: aiosqlite.Connection) -> int:
    """Apply numbered migrations newer than the file's ``user_version``; returns the version."""
    async with db.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    current = row[0] if row else 0
    for number, name, sql in _migrations():
        if number <= current:
            continue
        log.info("applying migration %s", name)
        await db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(sql):
                await db.execute(statement)
            await db.execute(f"PRAGMA user_version={number:d}")
            await db.execute("COMMIT")
        except BaseException:
            await db.execute("ROLLBACK")
            raise
        current = number
    return current


def _statements(sql: str) -> list[str]:
    """Split a migration file into whole statements (a trigger's ``BEGIN ... END`` is one)."""
    statements, pending = [], ""
    for line in sql.splitlines(keepends=True):
        if not pending and line.strip().startswith("--"):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"migration ends inside a statement: {pending.strip()[:60]!r}")
    return statements
