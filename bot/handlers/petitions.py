"""Petition counts: see progress, and (organizers) keep the count and goal current."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from bot import validate
from bot.commands import Command, Param, Registry
from bot.context import Context
from bot.domain import Petition
from bot.errors import Conflict, NotFound, UsageError
from bot.markup import bold, esc, link
from bot.milestones import announce_progress, ladder_for, parse_milestones
from bot.model import Attachment, Reply
from bot.store import Tx
from bot.timeparse import iso_utc
from bot.views import LISTING_BUDGET

BAR_WIDTH = 20
#: Replies stay well inside the 4,000 characters every platform takes in one message.
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
        texts = []
        for shown, petition in enumerate(chosen):
            text = petition_text(petition, await gain_since_yesterday(tx, petition, ctx))
            if sum(len(t) + 2 for t in texts) + len(text) > LISTING_BUDGET:
                rest = ", ".join(f"`{esc(p.name)}`" for p in chosen[shown:shown + 10])
                texts.append(f"_…and {len(chosen) - shown} more: {rest}. Type `petition <name>` for one._")
                break
            texts.append(text)
    return Reply("\n\n".join(texts))


def _every(ctx: Context, args: dict[str, Any]) -> int:
    every = args.get("every") or ctx.config.petitions.poll_every
    if not timedelta(minutes=1) <= every <= timedelta(days=1):
        raise UsageError("Poll a source between every minute (`every:1m`) and once a day (`every:1d`).")
    return int(every.total_seconds() // 60)


async def _first_count(ctx: Context, spec: str | None) -> tuple[str, int | None]:
    """Check a source by reading it once, so a typo is caught now and not at the first poll."""
    if spec is None or spec.strip().lower() == "manual":
        return "manual", None
    sources = ctx.need_sources()
    canonical = sources.petition_spec(spec)
    return canonical, await sources.petition_count(canonical)


def _arg(name: str) -> str:
    """A name as typed in a command: in quotes when it has spaces."""
    return f'"{name}"' if any(c.isspace() for c in name) else name


def _source_label(source: str) -> str:
    """A source as shown in chat: web addresses often carry a token, so only their host is shown."""
    kind, _, rest = source.partition(":")
    if kind in ("json", "csv"):
        try:
            host = urlsplit(rest).hostname
        except ValueError:
            host = None
        return f"{kind}: {host or 'web'}"
    return source


async def _schedule_poll(ctx: Context, tx: Tx, petition: Petition) -> None:
    await tx.cancel_timers(kind="petition-poll", ref=petition.id)
    if petition.source != "manual":
        due = ctx.now + timedelta(minutes=petition.poll_minutes)
        await tx.set_timer(f"petition-poll:{petition.id}:{iso_utc(due)}", "petition-poll", petition.id, due, ctx.now)


async def petition_add(ctx: Context, args: dict[str, Any]) -> Reply:
    name = args["name"]
    page = validate.url(args["link"]) if args.get("link") else ""
    milestones = ",".join(str(m) for m in parse_milestones(args["milestones"])) if args.get("milestones") else None
    every = _every(ctx, args)
    async with ctx.store.snapshot() as tx:
        if await tx.petition(name) is not None:
            raise Conflict(f"A petition called `{esc(name)}` exists already.")
    source, count = await _first_count(ctx, args.get("source"))
    async with ctx.store.transaction() as tx:
        if await tx.petition(name) is not None:
            raise Conflict(f"A petition called `{esc(name)}` exists already.")
        petition = await tx.create_petition(name, args["goal"], page, ctx.now, source=source, poll_minutes=every,
                                            milestones=milestones)
        if count is not None:
            petition = await tx.update_petition(petition.id, ctx.now, online=count)
            await announce_progress(ctx.notifier(tx), petition)
            await _schedule_poll(ctx, tx, petition)
    if count is None:
        return Reply(f"Tracking petition {bold(esc(petition.name))} with a goal of {petition.goal:,}. "
                     f"Update it with `petition set {esc(_arg(petition.name))} <count>`.")
    return Reply(f"Tracking petition {bold(esc(petition.name))} from {esc(_source_label(source))}: "
                 f"{count:,} signatures now, checked every {every} minutes.")


async def petition_source(ctx: Context, args: dict[str, Any]) -> Reply:
    every = _every(ctx, args)
    async with ctx.store.snapshot() as tx:
        petition = await load_petition(tx, args["name"])
    source, count = await _first_count(ctx, args["spec"])
    async with ctx.store.transaction() as tx:
        await tx.set_petition_source(petition.id, source, every)
        petition = await load_petition(tx, petition.name)
        if count is not None:
            petition = await tx.update_petition(petition.id, ctx.now, online=count)
            await announce_progress(ctx.notifier(tx), petition)
        await _schedule_poll(ctx, tx, petition)
    if count is None:
        return Reply(f"{bold(esc(petition.name))} is now counted by hand: "
                     f"`petition set {esc(_arg(petition.name))} <n>`.")
    return Reply(f"{bold(esc(petition.name))} now follows {esc(_source_label(source))}: {count:,} signatures, "
                 f"checked every {every} minutes.")


async def petition_chart(ctx: Context, args: dict[str, Any]) -> Reply:
    from bot.chart import render_chart  # matplotlib loads only when a chart is asked for

    async with ctx.store.snapshot() as tx:
        petition = await load_petition(tx, args["name"])
        history = await tx.history(petition.id)
    png = render_chart(petition, history, ladder_for(petition), ctx.tz, ctx.now)
    return Reply(f"Signatures over time for {bold(esc(petition.name))}.",
                 attachments=(Attachment(f"petition-{petition.id}.png", png, "image/png"),))


#: A typed count that multiplies the total by this much, and adds at least ``JUMP_AT_LEAST``, is asked
#: about before it is kept: 9000 typed for 900 would tell every channel the goal was reached. The
#: first count has nothing to be compared with.
JUMP_FACTOR = 5
JUMP_AT_LEAST = 100


def _check_jump(petition: Petition, total: int, args: dict[str, Any], command: str) -> None:
    """Refuse, changing nothing, a typed count that leaps far past the current total unless confirmed."""
    added = total - petition.total
    if (args.get("confirm") or petition.total == 0 or added < JUMP_AT_LEAST
            or total < petition.total * JUMP_FACTOR):
        return
    name = f'"{petition.name}"' if " " in petition.name else petition.name
    raise UsageError(
        f"That would take {esc(petition.name)} from {petition.total:,} to {total:,} signatures at once, "
        f"so I haven't changed it yet (a slip of one digit would tell everyone the goal was reached). "
        f"If it's right, send `{command} {esc(name)} {args['count']} confirm`.")


async def petition_set(ctx: Context, args: dict[str, Any]) -> Reply:
    async with ctx.store.transaction() as tx:
        petition = await load_petition(tx, args["name"])
        _check_jump(petition, petition.paper + args["count"], args, "petition set")
        petition = await tx.update_petition(petition.id, ctx.now, online=args["count"])
        await announce_progress(ctx.notifier(tx), petition)
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
        _check_jump(petition, petition.total + added, args, "petition paper")
        petition = await tx.update_petition(petition.id, ctx.now, paper=petition.paper + added)
        await announce_progress(ctx.notifier(tx), petition)
        gain = await gain_since_yesterday(tx, petition, ctx)
    verb = "Added" if added > 0 else "Removed"
    return Reply(f"{verb} {abs(added):,} paper signatures. " + petition_text(petition, gain))


async def petition_goal(ctx: Context, args: dict[str, Any]) -> Reply:
    async with ctx.store.transaction() as tx:
        petition = await load_petition(tx, args["name"])
        petition = await tx.update_petition(petition.id, ctx.now, goal=args["goal"])
        await tx.set_petition_flags(petition.id, goal_announced=petition.total >= petition.goal)
        gain = await gain_since_yesterday(tx, petition, ctx)
    return Reply("New goal set. " + petition_text(petition, gain))


def register(registry: Registry) -> None:
    name = Param("name", "text", "The petition's name (quote it if it has spaces)", max_length=60)
    count = Param("count", "int", "Number of signatures", min=0, max=MAX_COUNT)
    goal = Param("goal", "int", "Signatures wanted", min=1, max=MAX_COUNT, keyword=True)
    registry.add(Command(
        "petition", "Signature count, goal and progress", petition_show,
        (Param("name", "text", "Which petition (all when left out)", required=False, max_length=60),),
        stores_asker=False, examples=("petition", "petition resolution"),
    ))
    every = Param("every", "duration", "How often to check the source, e.g. 10m", required=False, keyword=True)
    registry.add(Command(
        "petition add", "Track a petition (organizers)", petition_add,
        (name, goal, Param("link", "text", "The petition's page", required=False, keyword=True, max_length=500),
         Param("source", "text", "Where the count comes from (see help)", required=False, keyword=True,
               max_length=500),
         every,
         Param("milestones", "text", "Counts to celebrate, e.g. 750,1000", required=False, keyword=True)),
        organizer=True,
        examples=("petition add resolution goal:1000 link:https://example.org/sign",
                  "petition add resolution goal:1000 source:actionnetwork:7580a324-9a72-11e3-a2e9-12313d316c29"),
        details="Sources: `actionnetwork:<petition id>` (key in ACTION_NETWORK_API_KEY), `json:<url>` with an "
                "optional `#path.to.count`, `csv:<url>` (a Google Form's response sheet), or `manual`. "
                "Milestones default to 50, 100, 250, 500, 750, 1,000, 1,500, 2,000, 2,500, 5,000, 10,000 and on.",
    ))
    registry.add(Command(
        "petition source", "Change where a petition's count comes from (organizers)", petition_source,
        (name, Param("spec", "text", "actionnetwork:<id>, json:<url>, csv:<url> or manual", max_length=500), every),
        organizer=True, examples=("petition source resolution csv:https://example.org/export?format=csv",),
    ))
    registry.add(Command("petition chart", "A chart of signatures over time", petition_chart, (name,),
                         stores_asker=False, examples=("petition chart resolution",)))
    sure = Param("confirm", "choice", "Type confirm to keep a count far above the last", required=False,
                 choices=("confirm",))
    registry.add(Command("petition set", "Set the online count (organizers)", petition_set, (name, count, sure),
                         organizer=True, examples=("petition set resolution 736",),
                         details=f"A count {JUMP_FACTOR} times the total or more (and {JUMP_AT_LEAST:,} more) is "
                                 "kept only with `confirm` after it, so a slip of one digit changes nothing."))
    registry.add(Command(
        "petition paper", "Add paper signatures to the count (organizers)", petition_paper,
        (name, Param("count", "int", "Paper signatures to add (negative to correct)", min=-MAX_COUNT,
                     max=MAX_COUNT), sure),
        organizer=True, examples=("petition paper resolution 40",),
    ))
    registry.add(Command(
        "petition goal", "Change a petition's goal (organizers)", petition_goal,
        (name, Param("goal", "int", "Signatures wanted", min=1, max=MAX_COUNT)),
        organizer=True, examples=("petition goal resolution 1500",),
    ))
