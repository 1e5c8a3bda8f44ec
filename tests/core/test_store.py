"""The store's contract, on a real SQLite file: any future store (PostgreSQL) must pass it too."""

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from bot.app import Core
from bot.clock import FakeClock
from bot.model import Actor, Invocation, Place
from bot.store import Store, StoreError
from bot.store.people import upsert_person
from bot.store.writer import together
from tests.conftest import START, make_config


async def test_a_new_file_is_created_migrated_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "turnout.db"
    store = await Store.open(path)
    try:
        assert await store.integrity_check() == "ok"
    finally:
        await store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] >= 1
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    again = await Store.open(path)  # re-opening applies nothing twice
    await again.close()


async def test_a_failed_transaction_leaves_no_trace(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "t.db")
    try:
        with pytest.raises(RuntimeError, match="boom"):
            async with store.transaction() as tx:
                await tx.create_petition("resolution", 1000, "", START)
                raise RuntimeError("boom")
        async with store.snapshot() as tx:
            assert await tx.petitions() == []
    finally:
        await store.close()


async def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "t.db")
    try:
        async with store.transaction() as tx:
            assert await tx.scalar("PRAGMA foreign_keys") == 1
    finally:
        await store.close()


async def test_2000_concurrent_sign_ups_fill_50_spots_exactly_in_arrival_order(tmp_path: Path) -> None:
    clock = FakeClock(START)
    core = await Core.open(make_config(), db_path=tmp_path / "burst.db", clock=clock)
    try:
        place = Place("test", "general")

        def inv(name: str, text: str, organizer: bool = False) -> Invocation:
            return Invocation(Actor("test", name, name, organizer), place, text, clock.now())

        await core.dispatcher.dispatch(inv("olivia", "event add Rally when:Dec 12 10am spots:50", True))
        replies = await asyncio.gather(
            *(core.dispatcher.dispatch(inv(f"v{i:04d}", "signup 1")) for i in range(2000))
        )
        texts = [r[0].text for r in replies]
        assert all(not r[0].is_error for r in replies), {t for t in texts if "You're" not in t}
        assert sum("You're in!" in t for t in texts) == 50
        assert sum("waitlist" in t for t in texts) == 1950
        async with core.store.snapshot() as tx:
            signups = await tx.event_signups(1)
        confirmed = [s for s in signups if s.status == "confirmed"]
        waitlisted = [s for s in signups if s.status == "waitlisted"]
        assert len(confirmed) == 50 and len(waitlisted) == 1950
        # Waitlist positions are 1..1950 without gaps, in the order the sign-ups were answered.
        assert [s.position for s in waitlisted] == list(range(1, 1951))
        answered = [f"v{i:04d}" for i, t in enumerate(texts) if "waitlist" in t]
        positions = {f"v{i:04d}": int(t.split("number ")[1].split()[0]) for i, t in enumerate(texts)
                     if "waitlist" in t}
        assert sorted(positions.values()) == list(range(1, 1951))
        assert [s.person.user_id for s in waitlisted] == sorted(answered, key=positions.__getitem__)
        assert await core.store.integrity_check() == "ok"
    finally:
        await core.close()


def _on_disk(path: Path, sql: str) -> list[tuple]:
    """What another process would read from the file right now."""
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


async def test_concurrent_changes_share_commits_and_each_returns_only_once_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    store = await Store.open(path)
    seen_on_return: dict[int, bool] = {}

    async def add(n: int) -> None:
        async with store.transaction() as tx:
            await tx.create_petition(f"p{n}", 100, "", START)
        seen_on_return[n] = bool(_on_disk(path, f"SELECT 1 FROM petitions WHERE name = 'p{n}'"))

    try:
        before = store.commits
        await asyncio.gather(*(add(n) for n in range(300)))
        assert all(seen_on_return.values()) and len(seen_on_return) == 300
        assert store.commits - before < 30  # group commit: a few batches, not 300 commits
    finally:
        await store.close()


async def test_a_failing_change_in_a_batch_undoes_only_itself(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    store = await Store.open(path)

    async def add(n: int) -> None:
        async with store.transaction() as tx:
            await tx.create_petition(f"p{n}", 100, "", START)
            if n % 7 == 3:
                raise ValueError(n)

    try:
        results = await asyncio.gather(*(add(n) for n in range(100)), return_exceptions=True)
        failed = {r.args[0] for r in results if isinstance(r, ValueError)}
        assert failed == {n for n in range(100) if n % 7 == 3}
        assert all(r is None for r in results if not isinstance(r, ValueError))
        names = {name for (name,) in _on_disk(path, "SELECT name FROM petitions")}
        assert names == {f"p{n}" for n in range(100) if n not in failed}
    finally:
        await store.close()


async def test_a_change_cancelled_while_waiting_its_turn_does_not_stall_the_writer(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "t.db")
    gate = asyncio.Event()

    async def slow() -> None:
        async with store.transaction() as tx:
            await tx.create_petition("first", 100, "", START)
            await gate.wait()

    async def queued(name: str) -> None:
        async with store.transaction() as tx:
            await tx.create_petition(name, 100, "", START)

    try:
        first = asyncio.create_task(slow())
        doomed = asyncio.create_task(queued("doomed"))
        later = asyncio.create_task(queued("later"))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        doomed.cancel()
        gate.set()
        await asyncio.wait_for(asyncio.gather(first, later), timeout=5)
        async with store.snapshot() as tx:
            assert sorted(p.name for p in await tx.petitions()) == ["first", "later"]
    finally:
        await store.close()


async def test_role_counts_kept_by_triggers_match_the_sign_ups(tmp_path: Path) -> None:
    """Sign-ups, cancellations, promotions, offers, a forgotten person and a deleted event, then recount."""
    clock = FakeClock(START)
    core = await Core.open(make_config(), db_path=tmp_path / "t.db", clock=clock)
    try:
        place = Place("test", "general")

        async def say(name: str, text: str, organizer: bool = False) -> None:
            [reply, *_] = await core.dispatcher.dispatch(Invocation(Actor("test", name, name, organizer), place,
                                                                    text, clock.now()))
            assert not reply.is_error, (text, reply.text)

        await say("olivia", "event add Rally when:Dec 12 10am spots:3", True)
        await say("olivia", "event add Canvass when:Dec 13 10am spots:2", True)
        for n in range(8):
            await say(f"v{n}", "signup 1")
            await say(f"v{n}", "signup 2")
        for n in (0, 4, 6):
            await say(f"v{n}", "cancel 1")
        await say("v1", "forget-me confirm")
        await say("v5", "signup 1")
        async with core.store.transaction() as tx:
            await tx.run("DELETE FROM events WHERE id = 2")
    finally:
        await core.close()
    stale = _on_disk(tmp_path / "t.db", """
        SELECT r.id, r.confirmed, r.waitlisted, r.offered,
               (SELECT COUNT(*) FROM signups s WHERE s.role_id = r.id AND s.status = 'confirmed'),
               (SELECT COUNT(*) FROM signups s WHERE s.role_id = r.id AND s.status = 'waitlisted'),
               (SELECT COUNT(*) FROM signups s WHERE s.role_id = r.id AND s.status = 'offered')
        FROM roles r""")
    assert stale and all(row[1:4] == row[4:7] for row in stale), stale
    assert [row[1] for row in stale] == [3]  # event 2 went with its roles; event 1 is full again


def test_migrations_split_into_whole_statements_including_triggers() -> None:
    from bot.store import _statements

    sql = ("-- a comment\nCREATE TABLE t (a TEXT);\n"
           "CREATE TRIGGER x AFTER INSERT ON t BEGIN\n  UPDATE t SET a = 'x;y';\n  SELECT 1;\nEND;\n")
    assert [s.split()[1] for s in _statements(sql)] == ["TABLE", "TRIGGER"]
    with pytest.raises(ValueError, match="inside a statement"):
        _statements("CREATE TABLE t (a TEXT)")


def _add_petition(conn: sqlite3.Connection, name: str) -> str:
    conn.execute("INSERT INTO petitions (name, goal, created_at, updated_at) "
                 "VALUES (?, 100, '2026-01-01', '2026-01-01')", (name,))
    if name.startswith("bad"):
        raise ValueError(name)
    if name.startswith("drop"):  # what SQLite does on a full disk: the whole transaction is gone
        conn.execute("ROLLBACK")
        raise sqlite3.OperationalError("database or disk is full")
    return name.upper()


async def test_function_units_run_together_and_fail_alone(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    store = await Store.open(path)
    try:
        commits, trips = store.commits, store.writer_trips
        names = [f"bad{n}" if n % 10 == 4 else f"p{n}" for n in range(100)]
        results = await asyncio.gather(*(store.apply(_add_petition, n) for n in names), return_exceptions=True)
        assert [r.args[0] if isinstance(r, ValueError) else r for r in results] == [
            n if n.startswith("bad") else n.upper() for n in names]
        kept = {n for (n,) in _on_disk(path, "SELECT name FROM petitions")}
        assert kept == {n for n in names if not n.startswith("bad")}
        assert store.commits - commits <= 2
        assert store.writer_trips - trips <= 4  # a hundred changes in a few trips to the database thread
    finally:
        await store.close()


async def test_a_change_that_loses_the_transaction_fails_its_batch_mates_loudly(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    store = await Store.open(path)
    try:
        names = ["a1", "a2", "drop", "b1", "b2"]
        results = await asyncio.gather(*(store.apply(_add_petition, n) for n in names), return_exceptions=True)
        assert all(isinstance(r, StoreError) for r in results[:2]), results
        assert isinstance(results[2], sqlite3.OperationalError)
        assert results[3:] == ["B1", "B2"]
        assert {n for (n,) in _on_disk(path, "SELECT name FROM petitions")} == {"b1", "b2"}
        # The store goes on working afterwards.
        assert await store.apply(_add_petition, "c") == "C"
    finally:
        await store.close()


#: Sizes of the groups ``_add_petitions`` was handed, in order.
_groups_run: list[int] = []


def _add_petitions(conn: sqlite3.Connection, calls: list[tuple[str]]) -> list[object]:
    """``_add_petition`` for a group: names starting "no" are refused before any change."""
    _groups_run.append(len(calls))
    outcomes: list[object] = []
    for (name,) in calls:
        if name.startswith("no"):
            outcomes.append(LookupError(name))
        else:
            outcomes.append(_add_petition(conn, name))
    return outcomes


@together(_add_petitions)
def _add_petition_in_group(conn: sqlite3.Connection, name: str) -> str:
    if name.startswith("no"):
        raise LookupError(name)
    return _add_petition(conn, name)


async def _apply_all(store: Store, names: list[str]) -> list[object]:
    return await asyncio.gather(*(store.apply(_add_petition_in_group, n) for n in names), return_exceptions=True)


async def test_calls_run_together_share_one_group_and_a_refusal_touches_nobody_else(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    store = await Store.open(path)
    try:
        _groups_run.clear()
        names = [f"no{n}" if n % 10 == 4 else f"p{n}" for n in range(100)]
        results = await _apply_all(store, names)
        assert [r.args[0] if isinstance(r, LookupError) else r for r in results] == [
            n if n.startswith("no") else n.upper() for n in names]
        assert sum(_groups_run) == 100 and len(_groups_run) <= 2  # run together, not one by one
        assert {n for (n,) in _on_disk(path, "SELECT name FROM petitions")} == {
            n for n in names if not n.startswith("no")}
    finally:
        await store.close()


async def test_a_group_that_fails_is_undone_and_its_calls_run_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    store = await Store.open(path)
    try:
        _groups_run.clear()
        results = await _apply_all(store, ["p1", "bad2", "p3", "no4"])
        assert results[0] == "P1" and results[2] == "P3"
        assert isinstance(results[1], ValueError) and isinstance(results[3], LookupError)
        assert _groups_run == [4]  # tried together once, then alone
        # The group's own inserts were undone before the calls ran alone: each name is there once.
        assert sorted(_on_disk(path, "SELECT name FROM petitions")) == [("p1",), ("p3",)]
    finally:
        await store.close()


async def test_a_group_that_loses_the_transaction_is_run_again_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    store = await Store.open(path)
    try:
        _groups_run.clear()
        results = await _apply_all(store, ["a1", "drop", "b1"])
        # Alone, "drop" loses its own transaction again: the change before it in that transaction
        # fails loudly, the one after it runs in the next.
        assert isinstance(results[0], StoreError), results
        assert isinstance(results[1], sqlite3.OperationalError)
        assert results[2] == "B1"
        assert _groups_run == [3]
        assert _on_disk(path, "SELECT name FROM petitions") == [("b1",)]
        assert await store.apply(_add_petition_in_group, "c") == "C"
    finally:
        await store.close()


async def test_groups_and_single_calls_in_one_trip_settle_exactly_as_one_by_one_would(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    store = await Store.open(path)
    try:
        _groups_run.clear()
        queued = [(_add_petition_in_group, "a1"), (_add_petition_in_group, "no1"), (_add_petition_in_group, "b1"),
                  (_add_petition, "c1"), (_add_petition_in_group, "d1"), (_add_petition_in_group, "drop"),
                  (_add_petition_in_group, "e1"), (_add_petition, "f1")]
        results = await asyncio.gather(*(store.apply(fn, name) for fn, name in queued), return_exceptions=True)
        a1, no1, b1, c1, d1, drop, e1, f1 = results
        assert isinstance(no1, LookupError)  # refused on its own, whatever happened to the transaction after
        assert isinstance(drop, sqlite3.OperationalError)
        # The transaction "drop" lost held a1, b1 and c1 (first time round) and d1 (when it ran alone).
        assert all(isinstance(r, StoreError) for r in (a1, b1, c1, d1)), results
        assert (e1, f1) == ("E1", "F1")
        assert _groups_run == [3, 3]  # two groups tried together once each; the second then ran alone
        assert sorted(_on_disk(path, "SELECT name FROM petitions")) == [("e1",), ("f1",)]
    finally:
        await store.close()


def _petition_goal(conn: sqlite3.Connection, name: str) -> int:
    row = conn.execute("SELECT goal FROM petitions WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise LookupError(name)
    return int(row[0])


async def test_concurrent_reads_share_trips_and_fail_alone(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "t.db")
    try:
        await store.apply(_add_petition, "known")
        trips = store.reader_trips
        names = ["known" if n % 5 else f"missing{n}" for n in range(200)]
        results = await asyncio.gather(*(store.read(_petition_goal, n) for n in names), return_exceptions=True)
        assert [r if isinstance(r, int) else r.args[0] for r in results] == [
            100 if n == "known" else n for n in names]
        assert all(isinstance(r, LookupError) for r, n in zip(results, names, strict=True) if n != "known")
        assert store.reader_trips - trips <= 3
    finally:
        await store.close()


async def test_the_wal_is_checkpointed_beside_the_writer_so_it_stays_small(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    store = await Store.open(path)
    wal = path.with_name(path.name + "-wal")
    try:
        for n in range(1500):  # one commit each: no batching to hide behind
            await store.apply(_add_petition, f"p{n:04d}-" + "x" * 2000)
        assert wal.stat().st_size < 12_000_000, wal.stat().st_size  # about 40 MB when never started over
    finally:
        await store.close()
    assert _on_disk(path, "SELECT COUNT(*) FROM petitions") == [(1500,)]


async def test_changes_asked_for_after_close_fail_plainly_and_queued_ones_finish(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "t.db")
    queued = [asyncio.ensure_future(store.apply(_add_petition, f"p{n}")) for n in range(20)]
    await asyncio.sleep(0)  # queued before close begins
    closing = asyncio.ensure_future(store.close())
    await asyncio.sleep(0)
    with pytest.raises(StoreError, match="closed"):
        await store.apply(_add_petition, "late")
    with pytest.raises(StoreError, match="closed"):
        await store.read(_petition_goal, "p1")
    await asyncio.wait_for(closing, timeout=10)
    assert [await q for q in queued] == [f"P{n}" for n in range(20)]
    await store.close()  # twice is fine
    assert {n for (n,) in _on_disk(tmp_path / "t.db", "SELECT name FROM petitions")} == {f"p{n}" for n in range(20)}


async def test_closing_gives_up_on_a_change_whose_body_never_ends(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "t.db")
    never = asyncio.Event()
    inside = asyncio.Event()

    async def stuck() -> None:
        async with store.transaction() as tx:
            await tx.call(_add_petition, "stuck")
            inside.set()
            await never.wait()  # e.g. a network call that hangs: it should never be inside a transaction

    body = asyncio.ensure_future(stuck())
    await inside.wait()
    behind = asyncio.ensure_future(store.apply(_add_petition, "behind"))
    await asyncio.sleep(0)  # queued behind the stuck one
    await store.close(grace=0)  # returns instead of waiting for ever
    with pytest.raises(StoreError, match="stopping"):
        await behind
    never.set()
    with pytest.raises(StoreError, match="stopping"):  # the caller hears that nothing was kept
        await body
    assert _on_disk(tmp_path / "t.db", "SELECT name FROM petitions") == []  # nothing half-kept


async def test_nested_use_is_refused_instead_of_waiting_forever(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "t.db")
    try:
        async with store.transaction():
            with pytest.raises(RuntimeError, match="wait for itself"):
                await store.apply(_add_petition, "inner")
        async with store.snapshot():
            with pytest.raises(RuntimeError, match="wait for itself"):
                await store.read(_petition_goal, "x")
        assert await store.apply(_add_petition, "after") == "AFTER"  # nobody was left stuck
    finally:
        await store.close()


async def test_a_transaction_cannot_be_used_once_it_is_over(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "t.db")
    try:
        async with store.transaction() as tx:
            await tx.create_petition("kept", 100, "", START)
        with pytest.raises(StoreError, match="over"):
            await tx.create_petition("leaked", 100, "", START)
        async with store.snapshot() as tx:
            assert [p.name for p in await tx.petitions()] == ["kept"]
    finally:
        await store.close()


def _stop(conn: sqlite3.Connection) -> None:
    raise StopIteration


async def test_a_store_function_raising_stop_iteration_fails_alone(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "t.db")
    try:
        await store.apply(_add_petition, "before")
        results = await asyncio.gather(store.apply(_add_petition, "a"), store.apply(_stop),
                                       store.apply(_add_petition, "b"), store.read(_stop),
                                       store.read(_petition_goal, "before"), return_exceptions=True)
        assert results[0] == "A" and results[2] == "B" and results[4] == 100
        assert isinstance(results[1], RuntimeError) and isinstance(results[3], RuntimeError)
    finally:
        await store.close()


async def test_another_process_holding_the_write_lock_gets_a_plain_busy_error_then_nothing_is_lost(
    tmp_path: Path,
) -> None:
    path = tmp_path / "t.db"
    store = await Store.open(path, busy_timeout=0)  # give up at once instead of waiting 5 s
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError, match="busy"):
            await store.apply(_add_petition, "blocked")
        other.execute("ROLLBACK")
        assert await store.apply(_add_petition, "free") == "FREE"
        assert {n for (n,) in _on_disk(path, "SELECT name FROM petitions")} == {"free"}
    finally:
        other.close()
        await store.close()


async def test_a_change_the_database_refuses_is_answered_in_words(tmp_path: Path) -> None:
    clock = FakeClock(START)
    core = await Core.open(make_config(), db_path=tmp_path / "t.db", clock=clock)
    await core.store.close()  # what a command meets when the database cannot take it
    try:
        [reply] = await core.dispatcher.dispatch(
            Invocation(Actor("test", "vic", "Vic"), Place("test", "general"), "signup 1", clock.now()))
        assert reply.is_error and reply.text.startswith("Sorry, I couldn't save that just now, so nothing changed")
    finally:
        await core.close()


async def test_people_upserted_together_each_get_the_name_they_gave_and_the_last_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    store = await Store.open(path)
    try:
        await store.apply(upsert_person, "test", "ann", "Ann", START)
        names = ["Annie", "Ann B.", "Ann"]
        people = await asyncio.gather(
            *(store.apply(upsert_person, "test", "ann", name, START) for name in names),
            store.apply(upsert_person, "test", "bo", "Bo", START))
        assert [p.display_name for p in people] == [*names, "Bo"]
        assert len({p.id for p in people[:3]}) == 1
        assert _on_disk(path, "SELECT user_id, display_name FROM people ORDER BY id") == [("ann", "Ann"), ("bo", "Bo")]
    finally:
        await store.close()


def _connection_threads() -> int:
    return sum(t.name.endswith("(_connection_worker_thread)") and t.is_alive() for t in threading.enumerate())


@pytest.mark.parametrize("damage", ["not a database", "a migration that fails"])
async def test_a_store_that_cannot_open_leaves_no_connection_behind(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "t.db"
    if damage == "not a database":
        path.write_text("campaign notes, not a database\n" * 100)
    else:
        store = await Store.open(path)
        await store.close()
        with sqlite3.connect(path) as db:  # a column a later migration adds is somehow there already
            db.execute("PRAGMA user_version = 5")
        db.close()
    before = _connection_threads()
    with pytest.raises(sqlite3.DatabaseError):
        await Store.open(path)
    for _ in range(100):  # a closed connection's thread ends on its own turn
        if _connection_threads() == before:
            break
        await asyncio.sleep(0.01)
    assert _connection_threads() == before  # else the process could never exit
