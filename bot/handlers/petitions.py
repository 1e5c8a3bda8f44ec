"""Petition counts: see progress, and (organizers) keep the count and goal current."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot import validate
from bot.commands import Command, Param, Registry
from bot.context import Context
from bot.domain import Petition
from bot.errors import Conflict, NotFound, UsageError
from bot.markup import bold, esc, link
from bot.model import Reply
from bot.store import Tx

BAR_WIDTH = 20
MAX_COUNT = 100_000_000


def progress_bar(total: int, goal: int, width: int = BAR_WIDTH) -> str:
    filled = min(width, total * width // goal) if goal > 0 else 0
    return "█" * filled + "░" * (width - filled)


async def gain_since_yesterday(tx: Tx, petition: Petition, ctx: Context) -> int | None:
    """Signatures gained over the last 24 hours; None when there is no history that old."""
    before = await tx.total_at(petition.id, ctx.now - timedelta(days=1))
    return None if before is None else petition.total - before


def petition_text(petition: Petition, gain: int | None) -> str:
    percent = petition.total * 100 // petition.goal
    lines = [f"{bold(esc(petition.name))}: {petition.total:,} of {petition.goal:,} signatures ({percent}%)"]
    lines.append(f"`{progress_bar(petition.total, petition.goal)}`")
    details = []
    if gain is not None and gain > 0:
        details.append(f"+{gain:,} since yesterday")
    elif gain is not None:
        details.append("no new signatures since yesterday")
    if petition.paper:
        details.append(f"{petition.online:,} online + {petition.paper:,} on paper")
    if petition.total >= petition.goal:
        details.append("goal reached!")
    if petition.link:
        details.append(link("sign it here", petition.link))
    if details:
        lines.append(" · ".join(details))
    return "\n".join(lines)


async def load_petition(tx: Tx, name: str) -> Petition:
    petition = await tx.petition(name)
    if petition is None:
        names = [p.name for p in await tx.petitions()]
        known = f" Petitions: {', '.join(f'`{esc(n)}`' for n in names)}." if names else ""
        raise NotFound(f"There is no petition called `{esc(name[:60])}`.{known}")
    return petition


async def petition_show(ctx: Context, args: dict[str, Any]) -> Reply:
    async with ctx.store.snapshot() as tx:
        if args.get("name"):
            chosen = [await load_petition(tx, args["name"])]
        else:
            chosen = await tx.petitions()
        if not chosen:
            hint = " Add one with `petition add <name> goal:<n>`." if ctx.is_organizer else ""
            return Reply("No petitions yet." + hint)
        texts = [petition_text(p, await gain_since_yesterday(tx, p, ctx)) for p in chosen]
    return Reply("\n\n".join(texts))


def _name(value: str) -> str:
    return validate.text(value, "petition name", max_length=60)


async def petition_add(ctx: Context, args: dict[str, Any]) -> Reply:
    name = _name(args["name"])
    page = validate.url(args["link"]) if args.get("link") else ""
    async with ctx.store.transaction() as tx:
        if await tx.petition(name) is not None:
            raise Conflict(f"A petition called `{esc(name)}` exists already.")
        petition = await tx.create_petition(name, args["goal"], page, ctx.now)
    return Reply(f"Tracking petition {bold(esc(petition.name))} with a goal of {petition.goal:,}. "
                 f"Update it with `petition set {esc(petition.name)} <count>`.")


async def petition_set(ctx: Context, args: dict[str, Any]) -> Reply:
    async with ctx.store.transaction() as tx:
        petition = await load_petition(tx, args["name"])
        petition = await tx.update_petition(petition.id, ctx.now, online=args["count"])
        gain = await gain_since_yesterday(tx, petition, ctx)
    return Reply("Updated. " + petition_text(petition, gain))


async def petition_paper(ctx: Context, args: dict[str, Any]) -> Reply:
    added = args["count"]
    if added == 0:
        raise UsageError("Adding 0 paper signatures changes nothing.")
    async with ctx.store.transaction() as tx:
        petition = await load_petition(tx, args["name"])
        if petition.paper + added < 0:
            raise UsageError(f"That would leave {petition.paper + added:,} paper signatures; "
                             f"there are {petition.paper:,}.")
        petition = await tx.update_petition(petition.id, ctx.now, paper=petition.paper + added)
        gain = await gain_since_yesterday(tx, petition, ctx)
    verb = "Added" if added > 0 else "Removed"
    return Reply(f"{verb} {abs(added):,} paper signatures. " + petition_text(petition, gain))


async def petition_goal(ctx: Context, args: dict[str, Any]) -> Reply:
    async with ctx.store.transaction() as tx:
        petition = await load_petition(tx, args["name"])
        petition = await tx.update_petition(petition.id, ctx.now, goal=args["goal"])
        gain = await gain_since_yesterday(tx, petition, ctx)
    return Reply("New goal set. " + petition_text(petition, gain))


def register(registry: Registry) -> None:
    name = Param("name", "text", "The petition's name (quote it if it has spaces)", max_length=60)
    count = Param("count", "int", "Number of signatures", min=0, max=MAX_COUNT)
    goal = Param("goal", "int", "Signatures wanted", min=1, max=MAX_COUNT, keyword=True)
    registry.add(Command(
        "petition", "Signature count, goal and progress", petition_show,
        (Param("name", "text", "Which petition (all when left out)", required=False, max_length=60),),
        examples=("petition", "petition resolution"),
    ))
    registry.add(Command(
        "petition add", "Track a petition (organizers)", petition_add,
        (name, goal, Param("link", "text", "The petition's page", required=False, keyword=True, max_length=500)),
        organizer=True, examples=("petition add resolution goal:1000 link:https://example.org/sign",),
    ))
    registry.add(Command("petition set", "Set the online count (organizers)", petition_set, (name, count),
                         organizer=True, examples=("petition set resolution 736",)))
    registry.add(Command(
        "petition paper", "Add paper signatures to the count (organizers)", petition_paper,
        (name, Param("count", "int", "Paper signatures to add (negative to correct)", min=-MAX_COUNT,
                     max=MAX_COUNT)),
        organizer=True, examples=("petition paper resolution 40",),
    ))
    registry.add(Command(
        "petition goal", "Change a petition's goal (organizers)", petition_goal,
        (name, Param("goal", "int", "Signatures wanted", min=1, max=MAX_COUNT)),
        organizer=True, examples=("petition goal resolution 1500",),
    ))
