"""A person's own settings and data: time zone, reminders, calendar file, and forgetting them."""

from __future__ import annotations

from typing import Any

from bot.commands import Command, Param, Registry
from bot.context import Context
from bot.markup import bold, esc
from bot.model import Attachment, Button, Reply
from bot.reminders import plan_person
from bot.store import Tx
from bot.timeparse import fixed_clock_note, format_when, zone


async def _replan(ctx: Context, tx: Tx) -> None:
    """Reminders already planned carry the person's zone and setting: plan them again."""
    person = await tx.person(ctx.person.id)
    assert person is not None
    notifier = ctx.notifier(tx)
    for event, _ in await tx.person_signups(person.id, ctx.now):
        await plan_person(notifier, event, person)


async def tz(ctx: Context, args: dict[str, Any]) -> Reply:
    if args.get("zone") is None:
        current = ctx.person.tz or f"{ctx.campaign_tz.key} (the campaign's)"
        return Reply(f"Your time zone is {esc(current)}. Change it with `tz America/Chicago`.")
    chosen = zone(args["zone"])
    async with ctx.store.transaction() as tx:
        person = await ctx.stored_person(tx)
        await tx.set_timezone(person.id, chosen.key)
        await _replan(ctx, tx)
    note = fixed_clock_note(chosen)
    return Reply(f"Times will show in {esc(chosen.key)} for you; it's now {format_when(ctx.now, chosen)}."
                 + (f"\nNote: {note}" if note else ""))


async def reminders(ctx: Context, args: dict[str, Any]) -> Reply:
    if args.get("state") is None:
        state = "on: I DM you before the events you signed up for. `reminders off` stops them" \
            if ctx.person.reminders else "off: I don't DM you before events. `reminders on` turns them back on"
        return Reply(f"Your reminders are {state}.")
    on = args["state"] == "on"
    async with ctx.store.transaction() as tx:
        person = await ctx.stored_person(tx)
        await tx.set_reminders(person.id, on)
        await _replan(ctx, tx)
    if on:
        return Reply("Reminders are on: I'll DM you before the events you signed up for.")
    return Reply("Reminders are off: I won't DM you before events. `reminders on` turns them back on.")


async def calendar(ctx: Context, args: dict[str, Any]) -> Reply:
    from bot.ics_export import signups_calendar  # icalendar loads only when asked

    async with ctx.store.snapshot() as tx:
        rows = await tx.person_signups(ctx.person.id, ctx.now)
    if not rows:
        return Reply("You have no upcoming sign-ups to put in a calendar. Type `events` to find one.")
    data = signups_calendar(rows, campaign=ctx.config.campaign.name, now=ctx.now, home=ctx.campaign_tz)
    count, them = (f"{len(rows)} events", "them") if len(rows) != 1 else ("1 event", "it")
    return Reply(f"Your calendar with {count} is attached; open it to add {them} to your calendar app.",
                 attachments=(Attachment("turnout-signups.ics", data, "text/calendar"),))


async def forget_me(ctx: Context, args: dict[str, Any]) -> Reply:
    if args.get("confirm") is None:
        async with ctx.store.snapshot() as tx:
            person = await ctx.known_person(tx)
            rows = await tx.person_signups(person.id, ctx.now)
        return Reply(
            "`forget-me confirm` deletes everything Turnout stores about you:\n"
            f"- your name and {esc(ctx.person.platform)} id, your time zone and reminder setting;\n"
            f"- your sign-ups and waitlist places ({len(rows)} upcoming; your spots go to the waitlist);\n"
            "- messages waiting to be sent to you.\n"
            "Events and petitions stay. This cannot be undone.",
            buttons=(Button("Delete my data", "forget-me confirm", style="danger"),),
        )
    async with ctx.store.transaction() as tx:
        person = await tx.person((await ctx.known_person(tx)).id)
        if person is not None:
            for hook in ctx.registry.forget_hooks:
                await hook(ctx, tx, person)
            await tx.delete_person(person.id)
    return Reply(f"Done. I deleted everything I stored about you, {bold(esc(ctx.person.display_name))}. "
                 "If you use a command again, I'll only remember your name and id from then on.")


def register(registry: Registry) -> None:
    registry.add(Command(
        "tz", "Show or set your time zone for times I show you", tz,
        (Param("zone", "zone", "An IANA zone like America/New_York", required=False, max_length=64),),
        stores_asker=False, examples=("tz America/Chicago",),
    ))
    registry.add(Command(
        "reminders", "See, or turn on or off, your DM reminders", reminders,
        (Param("state", "choice", "on or off", required=False, choices=("on", "off")),), stores_asker=False,
        examples=("reminders off", "reminders"),
    ))
    registry.add(Command("calendar", "A calendar file (.ics) of your sign-ups", calendar, stores_asker=False,
                         examples=("calendar",)))
    registry.add(Command(
        "forget-me", "Delete everything stored about you", forget_me,
        (Param("confirm", "choice", "Type confirm to delete", required=False, choices=("confirm",)),),
        stores_asker=False, examples=("forget-me", "forget-me confirm"),
    ))
