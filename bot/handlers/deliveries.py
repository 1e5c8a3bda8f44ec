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
from bot.views import LISTING_BUDGET, fit_lines

STATES = ("pending", "sending", "sent", "failed", "skipped", "uncertain", "cancelled")
#: Still to go: listed soonest first. What happened: latest first (the cancelled, often a series'
#: weeks of reminders at once, only when asked for).
COMING = ("pending", "sending")
DONE = ("sent", "failed", "skipped", "uncertain")
#: Lines listed of each kind (one state asked for: both together).
SHOWN_COMING = 10
SHOWN_DONE = 20


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
    state = args.get("state")
    sections = [(state, (state,), state in COMING, SHOWN_COMING + SHOWN_DONE)] if state else [
        ("Next", COMING, True, SHOWN_COMING), ("Latest", DONE, False, SHOWN_DONE)]
    async with ctx.store.snapshot() as tx:
        listed = [(title, await tx.deliveries(states=states, limit=shown + 1, soonest_first=soonest), shown)
                  for title, states, soonest, shown in sections]
        counts = await tx.delivery_counts()
    summary = ", ".join(f"{counts[s]} {s}" for s in STATES if counts.get(s)) or "nothing yet"
    lines = [f"{bold('Deliveries')}: {summary}"]
    cut = False
    for title, rows, shown in listed:
        if not rows:
            continue
        fitted = fit_lines([f"- {esc(delivery_line(d, ctx.tz, ctx.now))}" for d in rows[:shown]],
                           LISTING_BUDGET // len(listed))
        if not state:
            lines.append(f"{bold(title)}:")
        lines += fitted
        cut = cut or len(fitted) < len(rows)
    if cut:
        lines.append("_Not all are listed; `turnout deliveries --json` lists every one._")
    return Reply("\n".join(lines))


def register(registry: Registry) -> None:
    registry.add(Command(
        "deliveries", "Scheduled and sent messages, and any that failed (organizers)", deliveries,
        (Param("state", "choice", "Only this state", required=False, choices=STATES),),
        organizer=True, examples=("deliveries", "deliveries failed"),
    ))
