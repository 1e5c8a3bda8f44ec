"""The delivery outbox: one row per outgoing message, claimed atomically before it is sent.

States: ``pending`` -> ``sending`` -> ``sent``; a definite failure goes back to ``pending`` with a
later ``due_at`` until the attempts run out (``failed``); a row found in ``sending`` at start-up
becomes ``uncertain`` and is never re-sent blindly; ``skipped`` when too late; ``cancelled`` when
what it was about went away.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

import aiosqlite

from bot.domain import Delivery
from bot.model import Outgoing
from bot.store.base import Queries, like_escape
from bot.timeparse import from_iso, iso_utc


def delivery_from(row: aiosqlite.Row) -> Delivery:
    return Delivery(
        id=row["id"], key=row["key"], kind=row["kind"], platform=row["platform"],
        target_kind=row["target_kind"], address=row["address"], workspace_id=row["workspace_id"],
        label=row["label"], person_id=row["person_id"], event_id=row["event_id"], payload=row["payload"],
        due_at=from_iso(row["due_at"]), state=row["state"], attempts=row["attempts"],
        last_error=row["last_error"], expires_at=from_iso(row["expires_at"]) if row["expires_at"] else None,
    )


def plan_delivery(conn: sqlite3.Connection, out: Outgoing, kind: str, now: datetime, event_id: int | None) -> None:
    """Insert or refresh a planned delivery. A sent (or failing) one is never touched again;
    a cancelled one comes back when it is wanted again (someone signs up once more). One already due
    is not planned anew (someone signing up after it fell due must not get it), but if it waits to be
    sent it goes out worded as things are now."""
    assert out.due_at is not None
    if out.due_at <= now:
        conn.execute("UPDATE deliveries SET payload = ?, updated_at = ? WHERE key = ? AND state = 'pending' "
                     "AND attempts = 0", (out.reply.to_json(), iso_utc(now), out.key))
        return
    _insert_delivery(
        conn, out, kind, now, event_id,
        "DO UPDATE SET payload = excluded.payload, due_at = excluded.due_at, expires_at = excluded.expires_at, "
        "kind = excluded.kind, state = 'pending', updated_at = excluded.updated_at "
        "WHERE deliveries.state IN ('pending', 'cancelled') AND deliveries.attempts = 0",
    )


def _insert_delivery(
    conn: sqlite3.Connection, out: Outgoing, kind: str, now: datetime, event_id: int | None, on_conflict: str,
) -> int:
    stamp = iso_utc(now)
    return conn.execute(
        "INSERT INTO deliveries (key, kind, platform, target_kind, address, workspace_id, label, person_id, "
        "event_id, payload, due_at, expires_at, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        f"ON CONFLICT (key) {on_conflict}",
        (out.key, kind, out.target.platform, out.target.kind, out.target.address, out.target.workspace_id,
         out.target.label, out.person_id, event_id, out.reply.to_json(), iso_utc(out.due_at or now),
         iso_utc(out.expires_at) if out.expires_at else None, stamp, stamp),
    ).rowcount


def pending_keys(conn: sqlite3.Connection, event_id: int, kinds: tuple[str, ...], person_id: int | None) -> list[str]:
    """Keys of an event's deliveries that are planned and not yet tried (a person's only, if given)."""
    marks = ",".join("?" * len(kinds))
    sql = f"SELECT key FROM deliveries WHERE event_id = ? AND state = 'pending' AND attempts = 0 AND kind IN ({marks})"
    params: list[object] = [event_id, *kinds]
    if person_id is not None:
        sql += " AND person_id = ?"
        params.append(person_id)
    return [r[0] for r in conn.execute(sql, params)]


def cancel_keys(conn: sqlite3.Connection, keys: list[str], now: datetime) -> int:
    changed = 0
    for key in keys:
        changed += conn.execute(
            "UPDATE deliveries SET state = 'cancelled', updated_at = ? WHERE key = ? AND state = 'pending'",
            (iso_utc(now), key),
        ).rowcount
    return changed


# The postman's writes around a send, as plain functions for ``Store.apply``: those of the messages
# in flight then share trips to the database thread and commits.


def claim_delivery(conn: sqlite3.Connection, delivery_id: int, now: datetime) -> bool:
    """Take a pending row for sending; only one claimer can win."""
    return conn.execute(
        "UPDATE deliveries SET state = 'sending', attempts = attempts + 1, updated_at = ? "
        "WHERE id = ? AND state = 'pending'",
        (iso_utc(now), delivery_id),
    ).rowcount == 1


def unclaim_delivery(conn: sqlite3.Connection, delivery_id: int) -> None:
    """Hand back a claimed row that was never sent (the send was called off before it started)."""
    conn.execute("UPDATE deliveries SET state = 'pending', attempts = attempts - 1 WHERE id = ? AND state = 'sending'",
                 (delivery_id,))


def skip_delivery(conn: sqlite3.Connection, delivery_id: int, reason: str, now: datetime) -> bool:
    """Give up a pending row that is too late to be worth sending; a row already taken is left alone."""
    return conn.execute(
        "UPDATE deliveries SET state = 'skipped', last_error = ?, updated_at = ? WHERE id = ? AND state = 'pending'",
        (reason, iso_utc(now), delivery_id),
    ).rowcount == 1


def mark_delivery_sent(conn: sqlite3.Connection, delivery_id: int, message_id: str | None, now: datetime) -> None:
    conn.execute(
        "UPDATE deliveries SET state = 'sent', platform_message_id = ?, last_error = NULL, updated_at = ? "
        "WHERE id = ?",
        (message_id, iso_utc(now), delivery_id),
    )


class OutboxQueries(Queries):
    async def enqueue(self, out: Outgoing, *, kind: str, now: datetime, event_id: int | None = None) -> bool:
        """Add a delivery; False when one with the same key exists already (never sent twice)."""
        return await self.call(_insert_delivery, out, kind, now, event_id, "DO NOTHING") == 1

    async def plan(self, out: Outgoing, *, kind: str, now: datetime, event_id: int | None = None) -> None:
        """Insert or refresh a planned delivery (see ``plan_delivery``)."""
        await self.call(plan_delivery, out, kind, now, event_id)

    async def cancel_key_prefix(self, prefix: str, now: datetime) -> int:
        like = like_escape(prefix) + "%"
        return await self.run(
            "UPDATE deliveries SET state = 'cancelled', updated_at = ? WHERE key LIKE ? ESCAPE '\\' "
            "AND state = 'pending'",
            (iso_utc(now), like),
        )

    async def due_deliveries(
        self, now: datetime, platforms: set[str], *, limit: int = 500, after: Delivery | None = None
    ) -> list[Delivery]:
        """Pending rows due by ``now`` in due order; ``after`` a row, the page that follows it.

        Pages follow each other by (due_at, id), not by state, so the next page can be read while the
        rows of this one are still pending.
        """
        if not platforms:
            return []
        marks = ",".join("?" * len(platforms))
        sql = f"SELECT * FROM deliveries WHERE state = 'pending' AND due_at <= ? AND platform IN ({marks}) "
        params: list[object] = [iso_utc(now), *sorted(platforms)]
        if after is not None:
            sql += "AND (due_at, id) > (?, ?) "
            params += [iso_utc(after.due_at), after.id]
        rows = await self.all(sql + "ORDER BY due_at, id LIMIT ?", (*params, limit))
        return [delivery_from(r) for r in rows]

    async def next_due(self, platforms: set[str]) -> datetime | None:
        if not platforms:
            return None
        marks = ",".join("?" * len(platforms))
        value = await self.scalar(
            f"SELECT MIN(due_at) FROM deliveries WHERE state = 'pending' AND platform IN ({marks})",
            sorted(platforms),
        )
        return None if value is None else from_iso(value)

    async def claim(self, delivery_id: int, now: datetime) -> bool:
        return await self.call(claim_delivery, delivery_id, now)

    async def mark_retry(
        self, delivery_id: int, error: str, retry_at: datetime, now: datetime, *, refund: bool = False
    ) -> None:
        """Back to pending, due again at ``retry_at``; ``refund`` gives the attempt back (a rate limit)."""
        await self.run(
            "UPDATE deliveries SET state = 'pending', last_error = ?, due_at = ?, updated_at = ?, "
            "attempts = attempts - ? WHERE id = ?",
            (error[:500], iso_utc(retry_at), iso_utc(now), int(refund), delivery_id),
        )

    async def mark_final(self, delivery_id: int, state: str, error: str | None, now: datetime) -> None:
        await self.run(
            "UPDATE deliveries SET state = ?, last_error = ?, updated_at = ? WHERE id = ?",
            (state, None if error is None else error[:500], iso_utc(now), delivery_id),
        )

    async def mark_interrupted_uncertain(self, now: datetime) -> list[Delivery]:
        """Rows left mid-send by a crash: we cannot know whether the platform got them."""
        rows = await self.all("SELECT * FROM deliveries WHERE state = 'sending'")
        await self.run(
            "UPDATE deliveries SET state = 'uncertain', last_error = 'interrupted while sending', updated_at = ? "
            "WHERE state = 'sending'",
            (iso_utc(now),),
        )
        return [delivery_from(r) for r in rows]

    async def cancel_pending(self, *, event_id: int, kinds: tuple[str, ...], now: datetime,
                             person_id: int | None = None) -> int:
        """Cancel what is still waiting to be sent about an event (it was cancelled or moved), or only
        what is waiting for one person (they answered an offer before it reached them)."""
        marks = ",".join("?" * len(kinds))
        return await self.run(
            f"UPDATE deliveries SET state = 'cancelled', updated_at = ? WHERE event_id = ? AND state = 'pending' "
            f"AND kind IN ({marks}) AND (? IS NULL OR person_id = ?)",
            (iso_utc(now), event_id, *kinds, person_id, person_id),
        )

    async def last_reached(self, *, person_id: int, event_id: int, kind: str) -> bool:
        """Whether the person's latest message of ``kind`` about the event left for the platform."""
        state = await self.scalar("SELECT state FROM deliveries WHERE person_id = ? AND event_id = ? AND kind = ? "
                                  "ORDER BY id DESC LIMIT 1", (person_id, event_id, kind))
        return state in ("sent", "uncertain")

    async def deliveries(self, *, states: tuple[str, ...] = (), limit: int = 200,
                         soonest_first: bool = False) -> list[Delivery]:
        """Deliveries (of ``states``, if given), the latest due first; or the soonest, for what is still to go."""
        where, params = "", []
        if states:
            where = f"WHERE state IN ({','.join('?' * len(states))})"
            params = list(states)
        order = "due_at, id" if soonest_first else "due_at DESC, id DESC"
        rows = await self.all(f"SELECT * FROM deliveries {where} ORDER BY {order} LIMIT ?", (*params, limit))
        return [delivery_from(r) for r in rows]

    async def delivery_counts(self) -> dict[str, int]:
        rows = await self.all("SELECT state, COUNT(*) AS n FROM deliveries GROUP BY state")
        return {r["state"]: r["n"] for r in rows}
