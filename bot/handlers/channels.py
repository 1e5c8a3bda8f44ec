"""Linking channels for announcements, reminders, petition news and organizers; announcements."""

from __future__ import annotations

from typing import Any

from bot.commands import Command, Param, Registry
from bot.context import Context
from bot.domain import LINK_PURPOSES
from bot.errors import Conflict, NotFound, UsageError
from bot.handlers.events import clock_note_line
from bot.markup import bold, esc
from bot.model import Reply
from bot.reminders import plan_event
from bot.timeparse import format_when, parse_when

MAX_ANNOUNCEMENT = 1800
#: Scheduled announcements shown at once (each line is at most about 200 characters).
LISTED = 15
#: How many upcoming events get their channel reminders planned when a reminders channel is linked.
REPLAN_LIMIT = 500


def _where(ctx: Context) -> str:
    place = ctx.invocation.place
    return f"#{esc(place.channel_name or place.channel_id)}"


async def channel_link(ctx: Context, args: dict[str, Any]) -> Reply:
    place = ctx.invocation.place
    if place.is_direct:
        raise Conflict("Link a channel by typing this in that channel, not in a direct message.")
    async with ctx.store.transaction() as tx:
        added = await tx.link_channel(args["purpose"], place.platform, place.workspace_id, place.channel_id,
                                      place.channel_name or place.channel_id, ctx.now)
        if added and args["purpose"] == "reminders":
            notifier = ctx.notifier(tx)
            for event in await tx.upcoming_events(ctx.now, limit=REPLAN_LIMIT):
                await plan_event(notifier, event)
    if not added:
        return Reply(f"{_where(ctx)} is already linked for {args['purpose']}. Nothing changed.")
    return Reply(f"Linked {_where(ctx)} for {args['purpose']}.", visibility="channel")


async def channel_unlink(ctx: Context, args: dict[str, Any]) -> Reply:
    place = ctx.invocation.place
    async with ctx.store.transaction() as tx:
        withdrawn = await tx.unlink_channel(args["purpose"], place.platform, place.channel_id, ctx.now)
    if withdrawn is None:
        return Reply(f"{_where(ctx)} was not linked for {args['purpose']}. Nothing changed.")
    posts = f"; {withdrawn} planned post{'s' if withdrawn != 1 else ''} for it here won't be sent" if withdrawn else ""
    return Reply(f"Unlinked {_where(ctx)} from {args['purpose']}{posts}.")


def _post(text: str) -> Reply:
    return Reply(f"{bold('Announcement')}: {esc(text)}", visibility="channel")


async def announce(ctx: Context, args: dict[str, Any]) -> Reply:
    text = args["text"]
    due = None
    if args.get("at") is not None:
        due = parse_when(args["at"], now=ctx.now, tz=ctx.campaign_tz)
        if due <= ctx.now:
            raise UsageError(f"{format_when(due, ctx.campaign_tz, now=ctx.now)} is in the past. Pick a time ahead.")
    async with ctx.store.transaction() as tx:
        if not await tx.linked_channels("announcements"):
            raise Conflict("No channel is linked for announcements yet. Type `channel link announcements` in the "
                           "channel where they should go.")
        notifier = ctx.notifier(tx)
        if due is None:
            count = await notifier.to_channels("announcements", _post(text), kind="announcement")
            return Reply(f"Announcement sent to {count} channel{'s' if count != 1 else ''}.")
        announcement_id = await tx.add_announcement(text, due, ctx.person.id, ctx.now)
        count = await notifier.to_channels("announcements", _post(text), kind="announcement-scheduled",
                                           key=f"announcement:{announcement_id}", due_at=due)
    return Reply(f"Announcement #{announcement_id} will go to {count} channel{'s' if count != 1 else ''} at "
                 f"{format_when(due, ctx.tz, now=ctx.now)}. `announce cancel {announcement_id}` stops it."
                 + clock_note_line(ctx, args["at"], due))


async def announcements(ctx: Context, args: dict[str, Any]) -> Reply:
    async with ctx.store.snapshot() as tx:
        pending = [a for a in await tx.pending_announcements() if a.due_at > ctx.now]
    if not pending:
        return Reply("No announcements are scheduled. `announce <text> at:<time>` schedules one.")
    lines = [bold("Scheduled announcements")]
    lines += [f"- #{a.id} {format_when(a.due_at, ctx.tz, now=ctx.now)}: {esc(a.text[:120])}"
              for a in pending[:LISTED]]
    if len(pending) > LISTED:
        lines.append(f"_…and {len(pending) - LISTED} more later._")
    return Reply("\n".join(lines))


async def announce_cancel(ctx: Context, args: dict[str, Any]) -> Reply:
    async with ctx.store.transaction() as tx:
        found = await tx.announcement(args["id"])
        if found is None or found.state != "pending" or found.due_at <= ctx.now:
            raise NotFound(f"There is no scheduled announcement #{args['id']}. `announcements` lists them.")
        await tx.set_announcement_state(found.id, "cancelled")
        await tx.cancel_key_prefix(f"announcement:{found.id}:", ctx.now)
    return Reply(f"Announcement #{found.id} will not be sent.")


def register(registry: Registry) -> None:
    purpose = Param("purpose", "choice", "What the channel is for", choices=LINK_PURPOSES)
    registry.add(Command(
        "channel link", "Post announcements, reminders, petition news or organizer alerts here (organizers)",
        channel_link, (purpose,), organizer=True, examples=("channel link announcements",),
    ))
    registry.add(Command(
        "channel unlink", "Stop posting that kind of message here (organizers)", channel_unlink,
        (purpose,), organizer=True, examples=("channel unlink reminders",),
    ))
    registry.add(Command(
        "announce", "Post to every announcements channel, now or at:<time> (organizers)", announce,
        (Param("text", "words", "What to say", max_length=MAX_ANNOUNCEMENT),
         Param("at", "time", "When to post it, e.g. mon 9am", required=False, keyword=True, max_length=64)),
        organizer=True, examples=("announce Pack the chambers Monday at 7!", "announce Doors open soon at:mon 6pm"),
    ))
    registry.add(Command("announcements", "Scheduled announcements (organizers)", announcements, organizer=True,
                         examples=("announcements",)))
    registry.add(Command(
        "announce cancel", "Stop a scheduled announcement (organizers)", announce_cancel,
        (Param("id", "int", "The announcement's number", min=1),), organizer=True, examples=("announce cancel 2",),
    ))
