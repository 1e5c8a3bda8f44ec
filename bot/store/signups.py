"""Sign-ups, waitlists and promotion: the capacity check and the insert share one transaction."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import datetime

from bot.domain import CancelResult, Event, Person, Promotion, Role, Signup, SignupResult, SignupStatus
from bot.errors import Conflict
from bot.markup import esc
from bot.store.events import EventQueries, read_event
from bot.store.people import PERSON_COLUMNS, person_from
from bot.timeparse import from_iso, iso_utc

#: A waitlisted sign-up's place in line (those of its role's waitlist who arrived no later), as a
#: column of a query over ``signups s``; NULL unless it is waitlisted.
_PLACE_IN_LINE = (
    "CASE WHEN s.status = 'waitlisted' THEN (SELECT COUNT(*) FROM signups w WHERE w.role_id = s.role_id "
    "AND w.status = 'waitlisted' AND w.seq <= s.seq) END AS place_in_line"
)
SIGNUP_COLUMNS = (
    "s.id, s.event_id, s.status, s.seq, s.role_id, s.signed_up_at, s.checked_in_at, s.offer_expires_at, "
    f"s.reconfirmed_at, r.name AS role, {PERSON_COLUMNS}"
)


#: New sign-ups written by one insert at most (six values each, well under SQLite's variable limit).
_ROWS_PER_INSERT = 250
_INSERT = "INSERT INTO signups (event_id, role_id, person_id, status, seq, signed_up_at) VALUES "


class SignupDesk:
    """Sign-ups taken one after another in one transaction, on the database thread.

    Each event is read once, with its counts, its next arrival number and the earlier sign-ups of
    the people expected, and new sign-ups wait in the desk until ``flush`` writes them in one
    insert: a crowd signing up for one event costs a few statements in all. The desk keeps what it
    read current as it signs people up, so it must be the only writer of those sign-ups while it is
    in use (it lives for one writer trip), and ``flush`` must run before anything reads them back.
    """

    def __init__(self, conn: sqlite3.Connection, expected: Iterable[tuple[int, int]] = ()) -> None:
        self.conn = conn
        #: Person ids whose earlier sign-ups to read, by event.
        self._expected: dict[int, set[int]] = {}
        for event_id, person_id in expected:
            self._expected.setdefault(event_id, set()).add(person_id)
        self._events: dict[int, Event | None] = {}
        self._next_seq: dict[int, int] = {}
        #: (event id, person id) -> (sign-up id, status, role name); None: has none. The id is None
        #: while the sign-up waits to be written.
        self._held: dict[tuple[int, int], tuple[int | None, str, str] | None] = {}
        #: New sign-ups not written yet: the values of their rows.
        self._unwritten: list[tuple[int, int, int, str, int, str]] = []
        #: (platform, user id) -> Person: newcomers stored for this trip's sign-ups.
        self.people: dict[tuple[str, str], Person] = {}

    def flush(self) -> None:
        """Write the new sign-ups taken so far, a few hundred to an insert (their count triggers
        run as for one at a time)."""
        rows, self._unwritten = self._unwritten, []
        for start in range(0, len(rows), _ROWS_PER_INSERT):
            chunk = rows[start:start + _ROWS_PER_INSERT]
            written = self.conn.execute(
                _INSERT + ", ".join(["(?, ?, ?, ?, ?, ?)"] * len(chunk)) + " RETURNING id, event_id, person_id",
                [value for row in chunk for value in row],
            ).fetchall()
            for signup_id, event_id, person_id in written:
                held = self._held[event_id, person_id]
                assert held is not None
                self._held[event_id, person_id] = (signup_id, held[1], held[2])

    def event(self, event_id: int) -> Event | None:
        """The event as it stands now, counts included."""
        if event_id not in self._events:
            event = self._events[event_id] = read_event(self.conn, event_id)
            if event is not None:
                self._read_event_state(event)
        return self._events[event_id]

    def _read_event_state(self, event: Event) -> None:
        self._next_seq[event.id] = self.conn.execute(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM signups WHERE event_id = ?", (event.id,)).fetchone()[0]
        self._read_held(event.id, self._expected.pop(event.id, set()))

    def expect(self, event_id: int, person_ids: Iterable[int]) -> None:
        """Read, in one query, the earlier sign-ups at the event of people stored since the desk began
        (a crowd's newcomers), instead of one look-up each."""
        self._read_held(event_id, {p for p in person_ids if (event_id, p) not in self._held})

    def _read_held(self, event_id: int, people: set[int]) -> None:
        if not people:  # one sign-up on its own: ``_held_by`` looks it up
            return
        for person_id in people:
            self._held[event_id, person_id] = None
        rows = self.conn.execute(
            "SELECT s.person_id, s.id, s.status, r.name FROM signups s JOIN roles r ON r.id = s.role_id "
            "WHERE s.event_id = ? AND s.person_id IN (SELECT value FROM json_each(?))",
            (event_id, json.dumps(sorted(people))),
        ).fetchall()
        for person_id, signup_id, status, role in rows:
            self._held[event_id, person_id] = (signup_id, status, role)

    def _held_by(self, event_id: int, person_id: int) -> tuple[int | None, str, str] | None:
        key = (event_id, person_id)
        if key not in self._held:  # not expected: look it up
            row = self.conn.execute(
                "SELECT s.id, s.status, r.name FROM signups s JOIN roles r ON r.id = s.role_id "
                "WHERE s.event_id = ? AND s.person_id = ?", key).fetchone()
            self._held[key] = None if row is None else (row[0], row[1], row[2])
        return self._held[key]

    def live_role(self, event_id: int, person_id: int) -> str | None:
        """The role the person holds (or waits for) at the event, if any."""
        held = self._held_by(event_id, person_id)
        return None if held is None or held[1] == "cancelled" else held[2]

    def sign_up(self, event: Event, role: Role, person: Person, now: datetime) -> SignupResult:
        """Sign a person up for a role of ``event`` (both as returned by ``event``).

        A newcomer is confirmed only while a spot is free and nobody is waiting for one; the arrival
        number (``seq``) orders the waitlist.
        """
        person_id = person.id
        held = self._held_by(event.id, person_id)
        if held is not None and held[1] != "cancelled":
            if self._unwritten:  # its place in line is read from the table: those ahead must be in it
                self.flush()
                held = self._held[event.id, person_id]
                assert held is not None and held[0] is not None
            signup_id, status, role_held = held
            position = waitlist_position(self.conn, signup_id)
            return SignupResult(event, role_held, status, position, already=True,  # type: ignore[arg-type]
                                person=person)
        room = role.spots is None or (role.confirmed + role.offered < role.spots and role.waitlisted == 0)
        status: SignupStatus = "confirmed" if room else "waitlisted"
        seq = self._next_seq[event.id]
        signup_id: int | None
        if held is None:
            signup_id = None
            self._unwritten.append((event.id, role.id, person_id, status, seq, iso_utc(now)))
        else:
            signup_id = held[0]
            self.conn.execute(
                "UPDATE signups SET role_id = ?, status = ?, seq = ?, signed_up_at = ?, checked_in_at = NULL, "
                "reconfirmed_at = NULL, offer_expires_at = NULL WHERE id = ?",
                (role.id, status, seq, iso_utc(now), signup_id),
            )
        self._next_seq[event.id] = seq + 1
        self._held[event.id, person_id] = (signup_id, status, role.name)
        confirmed = status == "confirmed"
        counted = Role(role.id, role.event_id, role.name, role.spots, role.confirmed + confirmed,
                       role.waitlisted + (not confirmed), role.offered)
        fresh = self._events[event.id] = event.with_role(counted)
        # The newest arrival is last in line: its place is the role's waitlist length.
        return SignupResult(fresh, role.name, status, None if confirmed else counted.waitlisted, already=False,
                            person=person)


def waitlist_position(conn: sqlite3.Connection, signup_id: int) -> int | None:
    """A sign-up's place in line; None unless it is waitlisted."""
    row = conn.execute(f"SELECT {_PLACE_IN_LINE} FROM signups s WHERE s.id = ?", (signup_id,)).fetchone()
    return None if row is None else row[0]


def _live_signup(conn: sqlite3.Connection, event_id: int, person_id: int) -> sqlite3.Row | None:
    """The person's sign-up at the event that is not cancelled, with its role's name."""
    return conn.execute(
        "SELECT s.id, s.status, s.role_id, r.name AS role FROM signups s JOIN roles r ON r.id = s.role_id "
        "WHERE s.event_id = ? AND s.person_id = ? AND s.status != 'cancelled'",
        (event_id, person_id),
    ).fetchone()


def confirmed_person(conn: sqlite3.Connection, event_id: int, person_id: int) -> Person | None:
    """The person (as stored now) when they hold a confirmed spot at the event."""
    row = conn.execute(
        f"SELECT {PERSON_COLUMNS} FROM signups s JOIN people p ON p.id = s.person_id "
        "WHERE s.event_id = ? AND s.person_id = ? AND s.status = 'confirmed'",
        (event_id, person_id),
    ).fetchone()
    return None if row is None else person_from(row, "p_")


def reconfirmed(conn: sqlite3.Connection, event_id: int, person_id: int | None = None) -> set[int]:
    """Who among the event's confirmed (or just ``person_id``) has said they are still coming
    (``confirm``): not asked again."""
    one = "" if person_id is None else " AND person_id = ?"
    rows = conn.execute("SELECT person_id FROM signups WHERE event_id = ? AND status = 'confirmed' "
                        f"AND reconfirmed_at IS NOT NULL{one}",
                        (event_id,) if person_id is None else (event_id, person_id)).fetchall()
    return {r[0] for r in rows}


def confirmed_people(conn: sqlite3.Connection, event_id: int) -> list[Person]:
    """Everyone holding a confirmed spot at the event (as stored now), in order of arrival."""
    rows = conn.execute(
        f"SELECT {PERSON_COLUMNS} FROM signups s JOIN people p ON p.id = s.person_id "
        "WHERE s.event_id = ? AND s.status = 'confirmed' ORDER BY s.seq",
        (event_id,),
    ).fetchall()
    return [person_from(r, "p_") for r in rows]


def _cancel_signup(conn: sqlite3.Connection, event_id: int, person_id: int) -> CancelResult | None:
    row = _live_signup(conn, event_id, person_id)
    if row is None:
        return None
    conn.execute("UPDATE signups SET status = 'cancelled', offer_expires_at = NULL WHERE id = ?", (row["id"],))
    fresh = read_event(conn, event_id)
    assert fresh is not None
    return CancelResult(fresh, row["role"], row["status"], row["role_id"])


def _fill_open_spots(conn: sqlite3.Connection, role_id: int, offer_until: datetime | None) -> list[Promotion]:
    role = conn.execute("SELECT name, spots, confirmed + offered AS taken FROM roles WHERE id = ?",
                        (role_id,)).fetchone()
    if role is None:
        return []
    room = None if role["spots"] is None else role["spots"] - role["taken"]
    if room is not None and room <= 0:
        return []
    rows = conn.execute(
        f"SELECT s.id AS signup_id, {PERSON_COLUMNS} FROM signups s JOIN people p ON p.id = s.person_id "
        "WHERE s.role_id = ? AND s.status = 'waitlisted' ORDER BY s.seq LIMIT ?",
        (role_id, -1 if room is None else room),
    ).fetchall()
    status = "confirmed" if offer_until is None else "offered"
    expires = None if offer_until is None else iso_utc(offer_until)
    conn.executemany("UPDATE signups SET status = ?, offer_expires_at = ? WHERE id = ?",
                     [(status, expires, r["signup_id"]) for r in rows])
    return [Promotion(person_from(r, "p_"), role["name"], r["signup_id"], offer_until is not None, offer_until)
            for r in rows]


class SignupQueries(EventQueries):
    async def cancel_signup(self, event: Event, person: Person, now: datetime) -> CancelResult | None:
        """Cancel the person's sign-up. Refilling the freed spot is the caller's (``bot.waitlist``)."""
        return await self.call(_cancel_signup, event.id, person.id)

    async def fill_open_spots(self, role_id: int, *, offer_until: datetime | None = None) -> list[Promotion]:
        """Move waitlisted people up, first come first served, while the role has free spots.

        With ``offer_until`` each is offered the spot (held for them until then) instead of being
        confirmed: close to an event, a silent promotion would leave an empty seat.
        """
        return await self.call(_fill_open_spots, role_id, offer_until)

    async def claim_offer(self, signup_id: int, now: datetime) -> bool:
        """Turn a live offer into a confirmed spot; False when there is no such offer any more."""
        changed = await self.run(
            "UPDATE signups SET status = 'confirmed', offer_expires_at = NULL "
            "WHERE id = ? AND status = 'offered' AND offer_expires_at > ?",
            (signup_id, iso_utc(now)),
        )
        return changed == 1

    async def expire_offer(self, signup_id: int, now: datetime) -> int | None:
        """End an unanswered offer; returns the role id whose spot is free again."""
        row = await self.one(
            "UPDATE signups SET status = 'cancelled', offer_expires_at = NULL "
            "WHERE id = ? AND status = 'offered' AND offer_expires_at <= ? RETURNING role_id",
            (signup_id, iso_utc(now)),
        )
        return None if row is None else int(row["role_id"])

    async def requeue(self, signup_id: int) -> int | None:
        """Put a sign-up whose offer lapsed back at the end of its role's waitlist; its place in line,
        or None when it is not a lapsed (cancelled) one."""
        row = await self.one(
            "UPDATE signups SET status = 'waitlisted', offer_expires_at = NULL, "
            "seq = (SELECT MAX(seq) + 1 FROM signups s WHERE s.event_id = signups.event_id) "
            "WHERE id = ? AND status = 'cancelled' RETURNING id", (signup_id,))
        return None if row is None else await self.call(waitlist_position, signup_id)

    async def withdraw_offers(self, event_id: int) -> list[int]:
        """Put the people offered a spot at the event back in line (the event is off); their sign-up ids."""
        rows = await self.all(
            "UPDATE signups SET status = 'waitlisted', offer_expires_at = NULL "
            "WHERE event_id = ? AND status = 'offered' RETURNING id",
            (event_id,),
        )
        return [r["id"] for r in rows]

    async def forget_reconfirmations(self, event_id: int) -> None:
        """The event moved: who said they would come said so for another time."""
        await self.run("UPDATE signups SET reconfirmed_at = NULL WHERE event_id = ? AND reconfirmed_at IS NOT NULL",
                       (event_id,))

    async def reconfirm(self, signup_id: int, now: datetime) -> None:
        await self.run("UPDATE signups SET reconfirmed_at = COALESCE(reconfirmed_at, ?) WHERE id = ?",
                       (iso_utc(now), signup_id))

    async def event_signups(self, event_id: int, *, include_cancelled: bool = False) -> list[Signup]:
        where = "" if include_cancelled else "AND s.status != 'cancelled'"
        rows = await self.all(
            f"SELECT {SIGNUP_COLUMNS} FROM signups s JOIN roles r ON r.id = s.role_id "
            f"JOIN people p ON p.id = s.person_id WHERE s.event_id = ? {where} ORDER BY r.position, s.seq",
            (event_id,),
        )
        positions: dict[int, int] = {}
        out = []
        for r in rows:
            position = None
            if r["status"] == "waitlisted":
                position = positions[r["role_id"]] = positions.get(r["role_id"], 0) + 1
            out.append(self._signup_from(r, position))
        return out

    async def person_signups(self, person_id: int, now: datetime, *,
                             include_cancelled: bool = False) -> list[tuple[Event, Signup]]:
        """The person's live sign-ups for events that have not ended, soonest first (two queries); with
        ``include_cancelled``, also those whose event was called off."""
        statuses = "('scheduled', 'cancelled')" if include_cancelled else "('scheduled')"
        rows = await self.all(
            # CROSS JOIN keeps this order (the person's sign-ups first): without statistics SQLite would
            # otherwise walk every upcoming event and probe each for this person.
            f"SELECT {SIGNUP_COLUMNS}, {_PLACE_IN_LINE} FROM signups s CROSS JOIN events e ON e.id = s.event_id "
            "JOIN roles r ON r.id = s.role_id JOIN people p ON p.id = s.person_id "
            f"WHERE s.person_id = ? AND s.status != 'cancelled' AND e.ends_at > ? AND e.status IN {statuses} "
            "ORDER BY e.starts_at, e.id",
            (person_id, iso_utc(now)),
        )
        if not rows:
            return []
        events = await self.events_by_id([r["event_id"] for r in rows])
        out = []
        for r in rows:
            out.append((events[r["event_id"]], self._signup_from(r, r["place_in_line"])))
        return out

    async def signup_by_id(self, signup_id: int) -> Signup | None:
        row = await self.one(
            f"SELECT {SIGNUP_COLUMNS}, {_PLACE_IN_LINE} FROM signups s JOIN roles r ON r.id = s.role_id "
            "JOIN people p ON p.id = s.person_id WHERE s.id = ?",
            (signup_id,),
        )
        return None if row is None else self._signup_from(row, row["place_in_line"])

    async def person_signup(self, event_id: int, person_id: int) -> Signup | None:
        signup_id = await self.scalar(
            "SELECT id FROM signups WHERE event_id = ? AND person_id = ? AND status != 'cancelled'",
            (event_id, person_id),
        )
        return None if signup_id is None else await self.signup_by_id(signup_id)

    async def check_in(self, signup_id: int, now: datetime) -> bool:
        """Mark attendance; False when the person was already checked in."""
        changed = await self.run(
            "UPDATE signups SET checked_in_at = ? WHERE id = ? AND checked_in_at IS NULL",
            (iso_utc(now), signup_id),
        )
        return changed == 1

    async def live_signup_people(self, event_id: int) -> list[Person]:
        rows = await self.all(
            f"SELECT {PERSON_COLUMNS} FROM signups s JOIN people p ON p.id = s.person_id "
            "WHERE s.event_id = ? AND s.status != 'cancelled' ORDER BY s.seq",
            (event_id,),
        )
        return [person_from(r, "p_") for r in rows]

    async def person_held_spots(self, person_id: int) -> list[tuple[int, int]]:
        """(event id, role id) of each spot the person holds (freed when they are forgotten)."""
        rows = await self.all(
            "SELECT event_id, role_id FROM signups WHERE person_id = ? AND status IN ('confirmed', 'offered')",
            (person_id,),
        )
        return [(r["event_id"], r["role_id"]) for r in rows]

    async def cancel_all_signups(self, person_id: int) -> None:
        await self.run("UPDATE signups SET status = 'cancelled' WHERE person_id = ?", (person_id,))

    @staticmethod
    def _signup_from(r, position: int | None) -> Signup:  # type: ignore[no-untyped-def]
        return Signup(
            id=r["id"],
            event_id=r["event_id"],
            person=person_from(r, "p_"),
            role=r["role"],
            status=r["status"],
            signed_up_at=from_iso(r["signed_up_at"]),
            checked_in_at=from_iso(r["checked_in_at"]) if r["checked_in_at"] else None,
            position=position,
            offer_expires_at=from_iso(r["offer_expires_at"]) if r["offer_expires_at"] else None,
            reconfirmed_at=from_iso(r["reconfirmed_at"]) if r["reconfirmed_at"] else None,
        )


def ensure_open(event: Event, now: datetime) -> None:
    if event.is_cancelled:
        raise Conflict(f"Event #{event.id} ({esc(event.title)}) was cancelled.")
    if event.starts_at <= now:
        raise Conflict(f"Event #{event.id} ({esc(event.title)}) has already started.")
