"""``deliveries``: what the bot has sent, will send, skipped or could not send, so nothing fails silently."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands import Command, Param, Registry
from bot.context import Context
from bot.domain import Delivery
from bot.markup import bold, esc
from bot.model import Reply
from bot.timeparse import format_when, iso_utc
from bot.views import fit_lines

STATES = ("pending", "sending", "sent", "failed", "skipped", "uncertain", "cancelled")
SHOWN = 30


def delivery_record(d: Delivery) -> dict[str, Any]:
    """One row as data (the JSON of ``turnout deliveries --json``)."""
    return {
        "id": d.id, "kind": d.kind, "platform": d.platform, "target": f"{d.target_kind}:{d.label or d.address}",
        "due_at": iso_utc(d.due_at), "state": d.state, "attempts": d.attempts, "error": d.last_error,
        "event_id": d.event_id,
    }


def delivery_line(d: Delivery, tz: ZoneInfo, now: datetime) -> str:
    target = f"DM {d.label or d.address}" if d.target_kind == "dm" else f"#{d.label or d.address}"
    line = f"#{d.id} {d.state} · {d.kind} → {d.platform} {target} · {format_when(d.due_at, tz, now=now)}"
    if d.last_error and d.state in ("failed", "uncertain", "skipped", "pending"):
        line += f" · {d.last_error[:120]}"
    return line


async def deliveries(ctx: Context, args: dict[str, Any]) -> Reply:
    states = (args["state"],) if args.get("state") else ()
    async with ctx.store.snapshot() as tx:
        rows = await tx.deliveries(states=states, limit=SHOWN)
        counts = await tx.delivery_counts()
    summary = ", ".join(f"{counts[s]} {s}" for s in STATES if counts.get(s)) or "nothing yet"
    listed = fit_lines([f"- {esc(delivery_line(d, ctx.tz, ctx.now))}" for d in rows])
    lines = [f"{bold('Deliveries')}: {summary}", *listed]
    if len(rows) == SHOWN or len(listed) < len(rows):
        lines.append(f"_Showing the latest {len(listed)}; `turnout deliveries --json` lists all._")
    return Reply("\n".join(lines))


def register(registry: Registry) -> None:
    registry.add(Command(
        "deliveries", "Scheduled and sent messages, and any that failed (organizers)", deliveries,
        (Param("state", "choice", "Only this state", required=False, choices=STATES),),
        organizer=True, examples=("deliveries", "deliveries failed"),
    ))
