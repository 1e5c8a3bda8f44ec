"""The one writer: every change to the database, in order of arrival, committed in batches.

Units of work queue up. A ``transaction()`` unit is an async body that runs in its caller's task
while the writer waits; a function unit (``Store.apply``) is a plain function the writer runs on
the database thread, and function units queued back to back run in one trip. Units that arrive
while others run join the same SQLite transaction (group commit), each inside its own savepoint so
that a unit that fails undoes only itself. Nobody is answered before the ``COMMIT`` that holds their
change: what a volunteer reads is on disk. A thousand sign-ups cost a handful of commits. A store
function marked ``together`` has its back-to-back calls run as one group, which reads what they
share once (a crowd signing up for one event).

When SQLite itself rolls the whole transaction back (a full disk, an I/O error), every change in
it fails with ``StoreError``; function units that had not run yet go first into the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import enum
import logging
import sqlite3
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from bot.store.base import Link, StoreError

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

#: The most units one transaction holds: bounds how long the first of a crowd waits for its answer.
MAX_BATCH = 200
#: How many times function units wait for another process's write lock (each wait up to the
#: connection's busy timeout) before they fail.
BUSY_ATTEMPTS = 3
BEGIN = "BEGIN IMMEDIATE"

#: The task whose ``transaction()`` body holds the writer: a nested unit would wait for itself.
holder: contextvars.ContextVar[asyncio.Task[Any] | None] = contextvars.ContextVar("turnout_writer_holder",
                                                                                   default=None)


class Outcome(enum.Enum):
    KEPT = "kept"  # waits for the batch's commit
    UNDONE = "undone"  # failed; its savepoint was rolled back, its caller already told
    LOST = "lost"  # its failure took the whole open transaction with it
    NOT_RUN = "not run"  # a neighbour lost the transaction first: it goes into the next one


class Work:
    """Something queued for a connection; ``answer`` carries its result once it is on disk."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.answer: asyncio.Future[Any] = loop.create_future()
        self.value: Any = None

    @property
    def gone(self) -> bool:
        """Its caller stopped waiting before it ran."""
        return self.answer.cancelled()

    def settle(self, error: BaseException | None = None) -> None:
        if self.answer.done():
            return
        if error is None:
            self.answer.set_result(self.value)
        elif isinstance(error, StopIteration):  # a future refuses StopIteration
            self.answer.set_exception(RuntimeError(f"StopIteration raised in a store function: {error!r}"))
        else:
            self.answer.set_exception(error)


class Unit(Work):
    """A ``transaction()`` body: the writer hands it the connection (``turn``) and waits for ``done``."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop)
        self.turn: asyncio.Future[None] = loop.create_future()
        self.done: asyncio.Future[bool] = loop.create_future()  # True: the body ended without an error

    @property
    def gone(self) -> bool:
        return self.turn.cancelled()  # cancelled while queued; once it has its turn it always finishes


class Call(Work):
    """A function unit: ``fn(connection, *args)`` run on the database thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        super().__init__(loop)
        self.fn, self.args = fn, args
        self.error: Exception | None = None
        #: Run on its own, never with others of its kind (its group once lost a transaction).
        self.alone = False

    def run(self, conn: sqlite3.Connection) -> bool:
        """On the database thread; False when ``fn`` raised (kept in ``error``)."""
        try:
            self.value = self.fn(conn, *self.args)
            return True
        except Exception as exc:
            self.fail(exc)
            return False

    def fail(self, exc: Exception) -> None:
        # The traceback would keep fn's cursors alive (and with them an open read) until garbage
        # collection: keep the lines for the log, drop the frames' variables.
        traceback.clear_frames(exc.__traceback__)
        self.error = exc


def together(many: Callable[[sqlite3.Connection, list[tuple[Any, ...]]], list[Any]]) -> Callable[[F], F]:
    """Let the writer run a store function's calls that are queued back to back as one: ``many(conn,
    [args, ...])``, which can read what they share once (a crowd signing up for one event).

    ``many`` returns one outcome per call, in order: its value, or the exception it refused with
    before changing anything. If ``many`` itself raises, the whole group is undone and its calls run
    one by one, each in its own savepoint, so no call's failure ever touches a neighbour's change.
    """
    def mark(fn: F) -> F:
        fn.many = many  # type: ignore[attr-defined]
        return fn
    return mark


def _groups(calls: list[Call]) -> Iterator[list[Call]]:
    """Calls in order, those of one ``together`` function that follow each other in one group."""
    i = 0
    while i < len(calls):
        j = i + 1
        if getattr(calls[i].fn, "many", None) is not None and not calls[i].alone:
            while j < len(calls) and calls[j].fn is calls[i].fn and not calls[j].alone:
                j += 1
        yield calls[i:j]
        i = j


def _run_together(conn: sqlite3.Connection, group: list[Call]) -> bool | None:
    """One group in one savepoint. False: undone, run its calls one by one; None: the transaction is lost."""
    conn.execute("SAVEPOINT unit")
    try:
        outcomes = group[0].fn.many(conn, [c.args for c in group])
        if len(outcomes) != len(group):
            raise RuntimeError(f"{len(outcomes)} outcomes for {len(group)} calls")
    except Exception as exc:
        traceback.clear_frames(exc.__traceback__)
        log.warning("%d changes run together failed (%r); running them one by one", len(group), exc)
        if undo_unit(conn):
            return False
        for call in group:
            call.alone = True
        return None
    conn.execute("RELEASE unit")
    for call, outcome in zip(group, outcomes, strict=True):
        if isinstance(outcome, Exception):
            call.fail(outcome)
        else:
            call.value = outcome
    return True


def run_calls(conn: sqlite3.Connection, calls: list[Call]) -> int:
    """Run function units back to back, each in its own savepoint (or a group in one, see
    ``together``); returns how many ran.

    Fewer than all means SQLite rolled back the whole transaction: the call at that index lost it
    when it has an ``error``, and the calls from it on that have none never ran.
    """
    ran = 0
    for group in _groups(calls):
        if len(group) > 1:
            done = _run_together(conn, group)
            if done is None:
                return ran
            if done:
                ran += len(group)
                continue
        for call in group:
            conn.execute("SAVEPOINT unit")
            if call.run(conn):
                conn.execute("RELEASE unit")
            elif not undo_unit(conn):
                return ran
            ran += 1
    return ran


def undo_unit(conn: sqlite3.Connection) -> bool:
    """Roll back one failed unit; False when the whole transaction is gone."""
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
    if not conn.in_transaction:
        raise StoreError("the transaction was rolled back before its commit")
    conn.execute("COMMIT")


def _passive_checkpoint(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


def _abandon(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


class Writer:
    def __init__(self, link: Link, *, on_commit: Callable[[], None] = lambda: None) -> None:
        self.link = link
        self.commits = 0
        self._on_commit = on_commit
        self._queue: deque[Work] = deque()
        self._arrived = asyncio.Event()
        self._closing = False
        self._first_trip = 0
        #: The units of the batch in hand (for ``close`` to answer if it has to give up on them).
        self._taken: list[Work] = []
        #: Set when the WAL grew past what checkpoints beside the writer can bring back (see ``Store``).
        self.checkpoint_due = False
        self._task = asyncio.create_task(self._run(), name="turnout-store-writer")

    def submit(self, work: Work) -> None:
        if self._closing:
            raise StoreError("the store is closed")
        self._queue.append(work)
        self._arrived.set()

    async def close(self, *, grace: float | None = None) -> None:
        """Finish what is queued, then stop taking work. Past ``grace`` seconds (a change whose body
        never ends), give up: what is left fails with ``StoreError`` and nothing of it is kept."""
        self._closing = True
        self._arrived.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        except TimeoutError:
            left = [*self._taken, *self._queue]
            log.error("the store's writer did not finish within %s s; %d changes are dropped", grace, len(left))
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._queue.clear()
            error = StoreError("the bot is stopping, so this change was not saved. Please try again.")
            for work in left:
                if isinstance(work, Unit) and not work.turn.done():
                    work.turn.set_exception(error)
                work.settle(error)

    async def _run(self) -> None:
        while True:
            while not self._queue:
                if self._closing:
                    return
                self._arrived.clear()
                await self._arrived.wait()
            if self.checkpoint_due:
                self.checkpoint_due = False
                await self._checkpoint()
            taken: list[Work] = []
            self._taken = taken
            try:
                await self._batch(taken)
            except Exception as exc:  # a bug here must not leave anyone waiting or stall later changes
                log.exception("the store's writer failed; %d changes undone", len(taken))
                await self._drop(taken, StoreError(f"the change could not be saved ({exc})"))

    async def _checkpoint(self) -> None:
        """Between batches, with no transaction open: copy what is left of the WAL (never waits)."""
        try:
            await self.link.trip(_passive_checkpoint, check=False)
        except Exception as exc:
            log.warning("WAL checkpoint failed (the next one retries): %s", exc)

    async def _batch(self, taken: list[Work]) -> None:
        """One transaction: units in arrival order until the queue is empty or the batch is full."""
        self._begin()
        tries = 0
        while self._queue and len(taken) < MAX_BATCH:
            work = self._queue.popleft()
            if isinstance(work, Call):
                calls = [work]
                while self._queue and isinstance(self._queue[0], Call) and len(taken) + len(calls) < MAX_BATCH:
                    calls.append(self._queue.popleft())  # type: ignore[arg-type]
                calls = [c for c in calls if not c.gone]
                taken += calls
                outcomes = await self._run_calls(calls)
            else:
                assert isinstance(work, Unit)
                taken.append(work)
                outcomes = [] if work.gone else [(work, await self._run_unit(work))]
            not_run = [w for w, outcome in outcomes if outcome is Outcome.NOT_RUN]
            if not_run or any(outcome is Outcome.LOST for _, outcome in outcomes):
                # The open transaction is gone (or never began): whatever of it was waiting fails, and
                # the function units that never ran go first into a fresh one.
                await self._drop([w for w in taken if w not in not_run], StoreError(
                    "the database undid this change with another one; nothing was kept. Please try again."))
                taken.clear()
                self._begin()
                tries = tries + 1 if len(not_run) == len(outcomes) else 0
                if tries < BUSY_ATTEMPTS:
                    self._queue.extendleft(reversed(not_run))
                else:
                    for call in not_run:
                        call.settle(StoreError("the database is busy (another Turnout process is writing); "
                                               "nothing changed. Please try again in a moment."))
        await self._commit(taken)

    def _begin(self) -> None:
        self.link.carry = [BEGIN]
        self._first_trip = self.link.trips

    async def _run_calls(self, calls: list[Call]) -> list[tuple[Work, Outcome]]:
        if not calls:
            return []
        try:
            ran = await self.link.trip(run_calls, calls)
        except StoreError as exc:  # the carried BEGIN waited out another process's lock: nothing ran
            log.warning("%s", exc)
            return [(call, Outcome.NOT_RUN) for call in calls]
        outcomes: list[tuple[Work, Outcome]] = []
        for i, call in enumerate(calls):
            if call.error is not None:
                call.settle(call.error)
                outcomes.append((call, Outcome.LOST if i == ran else Outcome.UNDONE))
            elif i >= ran:
                outcomes.append((call, Outcome.NOT_RUN))
            else:
                outcomes.append((call, Outcome.KEPT))
        return outcomes

    async def _run_unit(self, unit: Unit) -> Outcome:
        """Give ``unit`` the connection until its body ends."""
        link = self.link
        before, savepoint_at = link.trips, len(link.carry)
        link.carry.append("SAVEPOINT unit")
        unit.turn.set_result(None)
        ok = await unit.done
        if link.trips == before:  # it never reached the database: nothing ran, nothing to undo
            del link.carry[savepoint_at]
            outcome = Outcome.KEPT if ok else Outcome.UNDONE
        elif ok:
            link.carry.append("RELEASE unit")
            outcome = Outcome.KEPT
        else:
            try:
                intact = await link.trip(undo_unit, check=False)
            except Exception as exc:
                log.error("could not roll back a failed change: %s", exc)
                intact = False
            outcome = Outcome.UNDONE if intact else Outcome.LOST
        if not ok:
            unit.settle()  # its caller has its own error already; nobody waits for this answer
        return outcome

    async def _commit(self, taken: list[Work]) -> None:
        kept = [w for w in taken if not w.answer.done()]  # the undone were answered already
        if self.link.trips == self._first_trip:  # nothing reached the database: nothing to commit
            self.link.carry = []
        else:
            try:
                await self.link.trip(_commit, check=False)
            except Exception as exc:
                log.error("commit failed; %d changes undone: %s", len(kept), exc)
                await self._drop(kept, StoreError(f"the change could not be saved ({exc}). Please try again."))
                return
            self.commits += 1
            self._on_commit()
        for work in kept:
            work.settle()

    async def _drop(self, taken: list[Work], error: StoreError) -> None:
        """Give up the open transaction: every change in it that is still waiting fails with ``error``."""
        self.link.carry = []
        try:
            await self.link.trip(_abandon, check=False)
        except Exception:
            log.exception("rolling back the store's open transaction failed")
        for work in taken:
            if isinstance(work, Unit) and not work.turn.done():
                work.turn.set_exception(error)
            work.settle(error)
