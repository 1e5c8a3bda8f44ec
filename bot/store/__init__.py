"""SQLite storage behind a small interface: ``transaction()`` or ``apply()`` to change, ``snapshot()``
or ``read()`` to read.

Changes go through one writer (``bot.store.writer``): in order of arrival, several to a commit,
each all or nothing, each answered only once it is on disk. Reads use a second, read-only
connection that sees committed data only (WAL). WAL checkpoints run on a third connection, off
the commit path.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.store.base import Link, StoreError
from bot.store.tx import Tx
from bot.store.writer import Call, Unit, Writer, holder

log = logging.getLogger(__name__)

__all__ = ["Store", "StoreError", "Tx"]

T = TypeVar("T")

#: A commit reaches the disk before anyone hears of it: with WAL, ``NORMAL`` would keep it through a
#: crash of the bot but could lose the last answered sign-ups to a power cut. Group commit pays the
#: sync once per batch, not once per change.
SYNCHRONOUS = "FULL"
#: How long closing waits for the changes in hand before giving up on them (seconds).
CLOSE_GRACE = 10.0
#: Commits between two WAL checkpoints (each commit adds a few pages).
CHECKPOINT_EVERY = 100
#: Frames (pages) the WAL may hold before the writer finishes a checkpoint itself so the log starts over
#: (SQLite's own automatic checkpoint runs at 1,000).
WAL_LIMIT = 1000
#: The WAL file is cut back to this size when it starts over (it would otherwise stay at its peak).
WAL_FILE_LIMIT = 16 * 1024 * 1024

#: The task whose ``snapshot()`` body holds the reader: a ``read()`` inside it would wait for itself.
_reading: contextvars.ContextVar[asyncio.Task[Any] | None] = contextvars.ContextVar("turnout_reader_holder",
                                                                                     default=None)


def _migrations() -> list[tuple[int, str, str]]:
    found = []
    for entry in resources.files("bot").joinpath("migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def _run_reads(conn: sqlite3.Connection, calls: list[Call]) -> None:
    for call in calls:
        call.run(conn)


def _end_read(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("COMMIT")


def _optimize(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA optimize")


def _check(conn: sqlite3.Connection) -> str:
    return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def _not_nested(holding: contextvars.ContextVar[asyncio.Task[Any] | None], what: str) -> None:
    held = holding.get()
    if held is not None and held is asyncio.current_task():
        raise RuntimeError(f"{what} inside a {what} of the same task would wait for itself")


class Store:
    def __init__(self, path: str | Path, *, busy_timeout: float = 5.0) -> None:
        self.path = str(path)
        #: How long a connection waits for another process's lock before giving up (seconds).
        self.busy_timeout = busy_timeout
        self._writer: Writer | None = None
        self._reader: Link | None = None
        self._read_lock = asyncio.Lock()
        self._reads: list[Call] = []  # waiting for the next read trip
        self._closed = False
        self._checkpointer: aiosqlite.Connection | None = None
        self._checkpointing: asyncio.Future[None] | None = None
        self._checkpointed_at = 0

    @classmethod
    async def open(cls, path: str | Path, *, busy_timeout: float = 5.0) -> Store:
        store = cls(path, busy_timeout=busy_timeout)
        await store.connect()
        return store

    async def connect(self) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        opened: list[aiosqlite.Connection] = []
        try:
            await self._open_all(opened)
        except BaseException:
            # A failed migration (or a file that is not a database) must not leave connection threads
            # behind: the process could not exit.
            for db in opened:
                with contextlib.suppress(Exception):
                    await db.close()
            self._checkpointer = None
            raise

    async def _open_all(self, opened: list[aiosqlite.Connection]) -> None:
        writer = await self._connect(opened)
        await writer.execute("PRAGMA journal_mode=WAL")
        await writer.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
        # A batch's savepoints keep the pages they change in memory, not in a temporary file.
        await writer.execute("PRAGMA temp_store=MEMORY")
        # What forget-me deletes is overwritten in the file, not only unlinked (the default of some
        # SQLite builds, not all).
        await writer.execute("PRAGMA secure_delete=ON")
        await _migrate(writer)
        reader = await self._connect(opened)
        await reader.execute("PRAGMA query_only=ON")
        if self.path != ":memory:":
            # Checkpoints move off the commit path to a connection of their own (below): a commit that
            # ran one would hold up every change queued behind it for tens of milliseconds.
            await writer.execute("PRAGMA wal_autocheckpoint=0")
            await writer.execute(f"PRAGMA journal_size_limit={WAL_FILE_LIMIT:d}")
            self._checkpointer = await self._connect(opened)
        self._writer = Writer(Link(writer, in_transaction=True), on_commit=self._maybe_checkpoint)
        self._reader = Link(reader)

    async def _connect(self, opened: list[aiosqlite.Connection]) -> aiosqlite.Connection:
        db = await aiosqlite.connect(self.path, isolation_level=None)
        opened.append(db)
        db.row_factory = aiosqlite.Row
        await db.execute("PRAGMA foreign_keys=ON")
        await db.execute(f"PRAGMA busy_timeout={int(self.busy_timeout * 1000):d}")
        return db

    def _open_writer(self) -> Writer:
        if self._writer is None or self._closed:
            raise StoreError("the store is closed")
        return self._writer

    @property
    def commits(self) -> int:
        """COMMITs issued: with group commit, fewer than the changes asked for."""
        return 0 if self._writer is None else self._writer.commits

    @property
    def writer_trips(self) -> int:
        """Hand-offs to the writer's thread so far (what a burst of changes really costs)."""
        return 0 if self._writer is None else self._writer.link.trips

    @property
    def reader_trips(self) -> int:
        return 0 if self._reader is None else self._reader.trips

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """One unit of change: all of it is kept, or none. Returns only once it is committed.

        A caller cancelled once its body has started still has its change committed (as with any
        database: the request may have been done).
        """
        writer = self._open_writer()
        _not_nested(holder, "transaction")
        unit = Unit(asyncio.get_running_loop())
        writer.submit(unit)
        try:
            await unit.turn
        except BaseException:
            if unit.turn.done() and not unit.turn.cancelled() and not unit.done.done():
                unit.done.set_result(True)  # given the turn but cancelled before using it: nothing to undo
            raise
        tx = Tx(writer.link)
        token = holder.set(asyncio.current_task())
        finished = False
        try:
            yield tx
            finished = True
        finally:
            holder.reset(token)
            tx.end()
            if not unit.done.done():  # done already when closing gave up on it
                unit.done.set_result(finished)
        await unit.answer

    async def apply(self, fn: Callable[..., T], *args: Any) -> T:
        """A change written as one plain function ``fn(connection, *args)``, run on the writer thread.

        The fast path for hot changes (a sign-up): function units queued back to back run in one trip
        to the thread, each in its own savepoint. Returns ``fn``'s result once it is committed; an
        exception ``fn`` raises is raised here, with its changes undone.
        """
        writer = self._open_writer()
        _not_nested(holder, "transaction")
        call = Call(asyncio.get_running_loop(), fn, args)
        writer.submit(call)
        return await call.answer  # type: ignore[no-any-return]

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
            # PASSIVE never waits for the writer or a reader. But SQLite starts the log over only when a
            # write begins with every frame copied, which under steady writes a checkpoint running beside
            # them never achieves: past WAL_LIMIT frames the writer copies the few left itself, between
            # two batches, and its next batch starts the log over.
            async with db.execute("PRAGMA wal_checkpoint(PASSIVE)") as cursor:
                row = await cursor.fetchone()
            if row is not None and row[1] > WAL_LIMIT and self._writer is not None:
                self._writer.checkpoint_due = True
        except Exception as exc:
            log.warning("WAL checkpoint failed (the next one retries): %s", exc)
        finally:
            self._checkpointing = None

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Tx]:
        """A consistent read of committed data; writes through it fail."""
        link = self._reader
        if link is None or self._closed:
            raise StoreError("the store is closed")
        _not_nested(_reading, "read")
        async with self._read_lock:
            link.carry = ["BEGIN"]
            before = link.trips
            tx = Tx(link)
            token = _reading.set(asyncio.current_task())
            try:
                yield tx
            finally:
                _reading.reset(token)
                tx.end()
                link.carry = []
                if link.trips != before:
                    await link.trip(_end_read)

    async def read(self, fn: Callable[..., T], *args: Any) -> T:
        """One read written as a plain function ``fn(connection, *args)``, outside any snapshot.

        Reads that arrive while others are on their way run together in one trip (a crowd of
        volunteers each looked up by platform id costs a few trips, not one each).
        """
        if self._reader is None or self._closed:
            raise StoreError("the store is closed")
        _not_nested(_reading, "read")
        call = Call(asyncio.get_running_loop(), fn, args)
        self._reads.append(call)
        if len(self._reads) == 1:
            asyncio.ensure_future(self._flush_reads())
        return await call.answer  # type: ignore[no-any-return]

    async def _flush_reads(self) -> None:
        async with self._read_lock:
            calls, self._reads = self._reads, []
            if not calls:  # answered by close() meanwhile
                return
            try:
                if self._reader is None:
                    raise StoreError("the store is closed")
                await self._reader.trip(_run_reads, [c for c in calls if not c.gone])
            except Exception as exc:
                log.error("a read trip failed: %r", exc)
                for call in calls:
                    call.settle(exc if isinstance(exc, StoreError) else StoreError(f"the read failed ({exc!r})"))
                return
        for call in calls:
            call.settle(call.error)

    async def integrity_check(self) -> str:
        return await self.read(_check)

    async def close(self, *, grace: float | None = CLOSE_GRACE) -> None:
        """Finish the changes already asked for, then close; later ones fail with ``StoreError``.

        A change still unfinished after ``grace`` seconds (its body waits on something that never
        comes) is given up, so stopping the bot cannot hang on it; SQLite rolls it back.
        """
        if self._closed or self._writer is None:
            return
        self._closed = True
        # Keeps the query planner's statistics current as the campaign grows (cheap when nothing changed).
        optimize = Call(asyncio.get_running_loop(), _optimize, ())
        self._writer.submit(optimize)
        await self._writer.close(grace=grace)
        with contextlib.suppress(StoreError):  # given up with the rest
            await optimize.answer
        if self._checkpointing is not None:
            await self._checkpointing
        if self._checkpointer is not None:
            await self._checkpointer.close()
            self._checkpointer = None
        async with self._read_lock:  # no read trip is in flight; reads queued meanwhile are refused
            for call in self._reads:
                call.settle(StoreError("the store is closed"))
            self._reads = []
            for db in (self._reader.db if self._reader else None, self._writer.link.db):
                if db is not None:
                    await db.close()
        self._reader = None


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
