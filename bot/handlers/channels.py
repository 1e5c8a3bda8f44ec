"""Linking channels for announcements, reminders and petition posts; posting announcements."""

from __future__ import annotations

from typing import Any

from bot import validate
from bot.commands import Command, Param, Registry
from bot.context import Context
from bot.domain import LINK_PURPOSES
from bot.errors import Conflict
from bot.markup import bold, esc
from bot.model import Reply

MAX_ANNOUNCEMENT = 1800


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
    if not added:
        return Reply(f"{_where(ctx)} is already linked for {args['purpose']}. Nothing changed.")
    return Reply(f"Linked {_where(ctx)} for {args['purpose']}.", visibility="channel")


async def channel_unlink(ctx: Context, args: dict[str, Any]) -> Reply:
    place = ctx.invocation.place
    async with ctx.store.transaction() as tx:
        removed = await tx.unlink_channel(args["purpose"], place.platform, place.channel_id)
    if not removed:
        return Reply(f"{_where(ctx)} was not linked for {args['purpose']}. Nothing changed.")
    return Reply(f"Unlinked {_where(ctx)} from {args['purpose']}.")


async def announce(ctx: Context, args: dict[str, Any]) -> Reply:
    text = validate.text(args["text"], "announcement", max_length=MAX_ANNOUNCEMENT)
    post = Reply(f"{bold('Announcement')}: {esc(text)}", visibility="channel")
    async with ctx.store.transaction() as tx:
        count = await ctx.send_to_channels(tx, "announcements", post, kind="announcement")
    if count == 0:
        raise Conflict("No channel is linked for announcements yet. Type `channel link announcements` in the "
                       "channel where they should go.")
    return Reply(f"Announcement sent to {count} channel{'s' if count != 1 else ''}.")


def register(registry: Registry) -> None:
    purpose = Param("purpose", "choice", "What the channel is for", choices=LINK_PURPOSES)
    registry.add(Command(
        "channel link", "Post announcements, reminders or petition news here (organizers)", channel_link,
        (purpose,), organizer=True, examples=("channel link announcements",),
    ))
    registry.add(Command(
        "channel unlink", "Stop posting that kind of message here (organizers)", channel_unlink,
        (purpose,), organizer=True, examples=("channel unlink reminders",),
    ))
    registry.add(Command(
        "announce", "Post to every channel linked for announcements (organizers)", announce,
        (Param("text", "words", "What to say", max_length=MAX_ANNOUNCEMENT),),
        organizer=True, examples=("announce Pack the chambers Monday at 7!",),
    ))
