"""The store's contract, on a real SQLite file: any future store (PostgreSQL) must pass it too."""

import asyncio
import sqlite3
from pathlib import Path

from bot.app import Core
from bot.clock import FakeClock
from bot.model import Actor, Invocation, Place
from bot.store import Store
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
        try:
            async with store.transaction() as tx:
                await tx.create_petition("resolution", 1000, "", START)
                raise RuntimeError("boom")
        except RuntimeError:
            pass
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
