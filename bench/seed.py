"""Builds a campaign database directly with sqlite3 ``executemany``, into a file ``Store.open`` migrated.

The shape is a campaign with history: events spread evenly from two years ago to one year ahead
(ids in time order, as they are created), one or two roles each, sign-ups spread unevenly over
the events (some full with a waitlist, a few cancelled), and one upcoming event with exactly
``roster_size`` live sign-ups for the roster figure. People are named as ``bench.fixtures.volunteer``
names them, so the dispatcher finds them unchanged and writes nothing on their first command.
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.fixtures import PLATFORM
from bot import eventloop
from bot.store import Store

PAST = timedelta(days=730)
AHEAD = timedelta(days=365)
CANCELLED_SIGNUP = 0.05
CANCELLED_EVENT = 0.02
SPOT_CHOICES = (20, 50, 100, 150, 200, 300, None)
PLACES = ("101 City Hall Plaza", "Old North Durham Park", "Main St Library", "Union Hall", "")


@dataclass(frozen=True)
class Shape:
    people: int
    events: int
    signups: int
    #: Live sign-ups of the one event whose roster is measured.
    roster_size: int = 1_000


@dataclass(frozen=True)
class Seeded:
    shape: Shape
    now: datetime
    roster_event_id: int
    upcoming_events: int


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def migrate(path: Path) -> None:
    async def run() -> None:
        store = await Store.open(path)
        await store.close()

    eventloop.run(run())


def _counts(rng: random.Random, events: int, total: int, *, skip: int, cap: int) -> list[int]:
    """Sign-ups per event: uneven (a few popular events), summing exactly to ``total``."""
    weights = [0.0 if i == skip else rng.paretovariate(2.5) for i in range(events)]
    scale = total / sum(weights)
    counts = [min(int(w * scale), cap) for w in weights]
    short = total - sum(counts)
    i = 0
    while short > 0:  # hand out what rounding and the cap left over
        if i != skip and counts[i] < cap:
            counts[i] += 1
            short -= 1
        i = (i + 1) % events
    return counts


def build(path: Path, shape: Shape, *, now: datetime | None = None, seed: int = 7) -> Seeded:
    """Migrate ``path`` with the store, then fill it. Returns what the benchmarks need to know."""
    migrate(path)
    rng = random.Random(seed)
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    stamp = iso(now)
    first = now - PAST
    step = (PAST + AHEAD) / shape.events
    starts = [first + step * i + timedelta(minutes=rng.randrange(0, 12 * 60, 30)) for i in range(shape.events)]
    # The roster event: the first event more than two weeks ahead.
    roster_index = next(i for i, s in enumerate(starts) if s > now + timedelta(days=14))
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA synchronous=OFF")  # a generator may skip durability; the benchmarks do not
        db.execute("PRAGMA cache_size=-262144")
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO people (id, platform, user_id, display_name, reminders, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            ((n, PLATFORM, f"u{n}", f"Volunteer {n}", int(n % 10 != 0), stamp) for n in range(1, shape.people + 1)),
        )
        event_rows = []
        role_rows: list[tuple[int, int, str, int | None, int]] = []
        roles_of: list[list[tuple[int, int | None]]] = []
        for i, start in enumerate(starts):
            event_id = i + 1
            status = "cancelled" if rng.random() < CANCELLED_EVENT and i != roster_index else "scheduled"
            event_rows.append((event_id, f"Canvass turf {event_id}", iso(start), iso(start + timedelta(hours=2)),
                               PLACES[i % len(PLACES)], status, iso(start - timedelta(days=21)),
                               iso(start - timedelta(days=21))))
            if i == roster_index:
                wanted = [("volunteer", 800)]  # 800 confirmed, 200 on the waitlist
            elif rng.random() < 0.1:
                wanted = [("speaker", 5), ("attendee", None)]
            else:
                wanted = [("volunteer", rng.choice(SPOT_CHOICES))]
            mine = []
            for position, (name, spots) in enumerate(wanted):
                role_id = len(role_rows) + 1
                role_rows.append((role_id, event_id, name, spots, position))
                mine.append((role_id, spots))
            roles_of.append(mine)
        db.executemany("INSERT INTO events (id, title, starts_at, ends_at, location, status, created_at, updated_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", event_rows)
        db.executemany("INSERT INTO roles (id, event_id, name, spots, position) VALUES (?, ?, ?, ?, ?)", role_rows)
        # Secondary indexes are rebuilt after the bulk insert (far faster than random inserts into them),
        # from the very SQL the migrations created them with.
        indexes = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'signups' "
                             "AND sql IS NOT NULL").fetchall()
        for name, _ in indexes:
            db.execute(f'DROP INDEX "{name}"')
        counts = _counts(rng, shape.events, shape.signups - shape.roster_size, skip=roster_index,
                         cap=min(shape.people, 5_000))
        counts[roster_index] = shape.roster_size
        db.executemany(
            "INSERT INTO signups (event_id, role_id, person_id, status, seq, signed_up_at) VALUES (?, ?, ?, ?, ?, ?)",
            _signup_rows(rng, starts, roles_of, counts, shape.people, roster_index),
        )
        for _, sql in indexes:
            db.execute(sql)
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    upcoming = sum(1 for s in starts if s + timedelta(hours=2) > now)
    return Seeded(shape, now, roster_index + 1, upcoming)


def _signup_rows(rng: random.Random, starts: list[datetime], roles_of: list[list[tuple[int, int | None]]],
                 counts: list[int], people: int, roster_index: int):  # type: ignore[no-untyped-def]
    population = range(1, people + 1)
    for i, count in enumerate(counts):
        if not count:
            continue
        event_id = i + 1
        signed = iso(starts[i] - timedelta(days=3))
        roles = roles_of[i]
        taken = dict.fromkeys((r for r, _ in roles), 0)
        for seq, person in enumerate(rng.sample(population, count), start=1):
            role_id, spots = roles[0] if len(roles) == 1 or seq % 10 == 0 else roles[-1]
            if i != roster_index and rng.random() < CANCELLED_SIGNUP:
                status = "cancelled"
            elif spots is None or taken[role_id] < spots:
                status = "confirmed"
                taken[role_id] += 1
            else:
                status = "waitlisted"
            yield event_id, role_id, person, status, seq, signed
