"""Signing up, cancelling, my sign-ups, the roster and check-in."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import traceback
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.commands import Command, Param, Registry
from bot.config import Config
from bot.context import Context
from bot.domain import MAX_NAME, Event, Person, Role, Signup, SignupResult
from bot.errors import Conflict, NotFound, TurnoutError, UsageError
from bot.handlers.events import load_event, no_such_event
from bot.markup import bold, esc
from bot.model import Attachment, Button, Reply
from bot.reminders import plan_person, plan_person_now
from bot.store import Tx
from bot.store.people import find_people, upsert_people, upsert_person
from bot.store.signups import SignupDesk, ensure_open
from bot.store.writer import together
from bot.views import MAX_ROLE_BUTTONS, event_line, fit_lines, spots_text, when_text
from bot.waitlist import refill

_MENTION = re.compile(r"^<@!?([A-Za-z0-9]+)(?:\|[^>]*)?>$")
#: Spreadsheets run cells that start with these as formulas.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _role_choice(event: Event) -> Reply:
    lines = [f"{bold(esc(event.title))} has several roles. Which one?"]
    lines += [f"- `signup {event.id} {r.name}`: {spots_text(r)}" for r in event.roles]
    buttons = tuple(Button(f"Sign up: {r.name}"[:80], f"signup {event.id} {r.name}")
                    for r in event.roles[:MAX_ROLE_BUTTONS])
    return Reply("\n".join(lines), buttons=buttons)


def _sign_up_many(conn: sqlite3.Connection, calls: list[tuple[Any, ...]]) -> list[SignupResult | Event | TurnoutError]:
    """Sign-ups queued together (a crowd answering one announcement), in order of arrival.

    Each call's outcome is its result, or the refusal it raised before changing anything.
    """
    calls = _as_stored(conn, calls)
    desk = SignupDesk(conn, ((event_id, person.id) for event_id, _, person, _, _ in calls if person.saved))
    # Newcomers whose sign-up will be taken are stored together, in one multi-row upsert; one who is
    # refused, or must first choose a role, is not stored at all.
    arriving: dict[tuple[str, str], tuple[str, str, str, datetime]] = {}
    wanted: dict[int, list[tuple[str, str]]] = {}  # event id -> the newcomers signing up for it
    for event_id, role_name, p, now, _ in calls:
        if not p.saved and _will_take(desk, event_id, role_name, now):
            arriving.setdefault((p.platform, p.user_id), (p.platform, p.user_id, _stored_name(p), now))
            wanted.setdefault(event_id, []).append((p.platform, p.user_id))
    if arriving:
        desk.people.update(((p.platform, p.user_id), p) for p in upsert_people(conn, list(arriving.values())))
        for event_id, keys in wanted.items():
            desk.expect(event_id, (desk.people[key].id for key in keys))
    outcomes: list[SignupResult | Event | TurnoutError] = []
    for args in calls:
        try:
            outcomes.append(_sign_up_at(desk, *args))
        except TurnoutError as exc:
            traceback.clear_frames(exc.__traceback__)  # its frames would keep the database's cursors alive
            outcomes.append(exc)
    desk.flush()
    return outcomes


def _as_stored(conn: sqlite3.Connection, calls: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The calls with each asker as stored now, all looked up in one query (the dispatcher leaves
    them to the sign-up: ``Command.finds_asker``). Someone whose platform name changed is renamed, as
    any other command of theirs would; someone not stored yet stays unsaved."""
    keys = list(dict.fromkeys((p.platform, p.user_id) for _, _, p, _, _ in calls if not p.saved))
    if not keys:
        return calls
    stored = find_people(conn, keys)
    named: dict[tuple[str, str], tuple[str, str, str, datetime]] = {}  # the last name each gave
    for _, _, p, now, _ in calls:
        if not p.saved and p.display_name and (p.platform, p.user_id) in stored:
            named[p.platform, p.user_id] = (p.platform, p.user_id, p.display_name, now)
    renamed = [row for key, row in named.items() if stored[key].display_name != row[2]]
    stored.update(((p.platform, p.user_id), p) for p in upsert_people(conn, renamed))
    return [(event_id, role_name, p if p.saved else stored.get((p.platform, p.user_id), p), now, config)
            for event_id, role_name, p, now, config in calls]


def _stored_name(person: Person) -> str:
    """The name a newcomer is stored under: their platform's, or their id where it gives none."""
    return person.display_name or person.user_id[:MAX_NAME]


def _will_take(desk: SignupDesk, event_id: int, role_name: str | None, now: datetime) -> bool:
    """Whether a newcomer's sign-up gets as far as a change (``_sign_up_at`` decides it again)."""
    try:
        return _event_and_role(desk, event_id, role_name, 0, now)[1] is not None
    except TurnoutError:
        return False


def _event_and_role(desk: SignupDesk, event_id: int, role_name: str | None, person_id: int,
                    now: datetime) -> tuple[Event, Role | None]:
    """The open event and the role signed up for; no role when the person must first choose one."""
    event = desk.event(event_id)
    if event is None:
        raise no_such_event(event_id)
    ensure_open(event, now)
    if role_name is None:
        role_name = event.roles[0].name if len(event.roles) == 1 else desk.live_role(event.id, person_id)
        if role_name is None:
            return event, None
    role = event.role(role_name)
    if role is None:
        names = ", ".join(f"`{esc(r.name)}`" for r in event.roles)
        raise NotFound(f"Event #{event.id} has no role `{esc(role_name[:40])}`. Its roles: {names}.")
    return event, role


@together(_sign_up_many)
def _sign_up_unit(conn: sqlite3.Connection, event_id: int, role_name: str | None, person: Person,
                  now: datetime, config: Config) -> SignupResult | Event | TurnoutError:
    """The whole sign-up as one function on the store's writer thread (``Store.apply``).

    A burst of sign-ups then costs one trip to the database thread per batch, where the writer runs
    them together (``_sign_up_many``). Returns the event instead of a result when the person must
    first choose a role, and a refusal instead of raising it: what the sign-up kept before refusing
    (the asker's new platform name) is kept, alone as in a crowd.
    """
    [outcome] = _sign_up_many(conn, [(event_id, role_name, person, now, config)])
    return outcome


def _sign_up_at(desk: SignupDesk, event_id: int, role_name: str | None, person: Person, now: datetime,
                config: Config) -> SignupResult | Event:
    if not person.saved:  # not stored when the group began: stored with it since?
        person = desk.people.get((person.platform, person.user_id), person)
    event, role = _event_and_role(desk, event_id, role_name, person.id, now)
    if role is None:
        return event
    if not person.saved:  # a newcomer is stored with their first sign-up, not before
        person = desk.people[person.platform, person.user_id] = upsert_person(
            desk.conn, person.platform, person.user_id, _stored_name(person), now)
    result = desk.sign_up(event, role, person, now)
    if result.status == "confirmed" and not result.already:
        desk.flush()  # reminders are planned for who holds a spot in the table
        return replace(result, reminders=plan_person_now(desk.conn, result.event, person.id, config, now))
    return result


async def signup(ctx: Context, args: dict[str, Any]) -> Reply:
    result = await ctx.store.apply(_sign_up_unit, args["event"], args.get("role"), ctx.person, ctx.now, ctx.config)
    if isinstance(result, TurnoutError):
        raise result
    if isinstance(result, Event):
        return _role_choice(result)
    ctx.person = result.person or ctx.person  # as stored: their own time zone for the reply
    ctx.count_queued(result.reminders)
    event = result.event
    title = f"{bold(esc(event.title))} (#{event.id})"
    cancel = (Button("Cancel my spot", f"cancel {event.id}", style="secondary"),)
    if result.already:
        state = {"confirmed": "signed up", "offered": "offered a spot (type `claim " + str(event.id) + "`)"}.get(
            result.status, f"number {result.position} on the waitlist")
        asked = event.role(args["role"]) if args.get("role") else None
        switch = (f" One sign-up per event: to be {esc(asked.name)} instead, `cancel {event.id}` first, then "
                  f"`signup {event.id} {esc(asked.name)}`." if asked is not None and asked.name != result.role else "")
        return Reply(f"You're already {state} for {title} as {esc(result.role)}. Nothing changed.{switch}",
                     buttons=cancel)
    if result.status == "confirmed":
        when = when_text(event, ctx.tz, ctx.now, home=ctx.campaign_tz)
        where = f" at {esc(event.location)}" if event.location else ""
        return Reply(f"You're in! {title} as {esc(result.role)}, {when}{where}.", buttons=cancel)
    return Reply(
        f"{title} is full for {esc(result.role)}, so you're number {result.position} on the waitlist. "
        "I'll tell you as soon as a spot opens.",
        buttons=cancel,
    )


#: What a command without an event id can mean: the asker's one sign-up in these states.
_ONE_OF = {
    "cancel": (("confirmed", "offered", "waitlisted"), "You're not signed up for anything coming up. `events` lists "
               "what is."),
    "claim": (("offered",), "No spot is waiting for you to claim; I'll message you when one is."),
    "confirm": (("confirmed",), "You have no spot coming up to confirm. `mine` lists your sign-ups."),
}


async def _which_event(ctx: Context, tx: Tx, args: dict[str, Any], command: str) -> int | Reply:
    """The event the command is for: the one named, or the asker's only sign-up it can be for ("yes,
    cancel" typed after a reminder); with several, a question with a button each."""
    if args["event"] is not None:
        return args["event"]
    statuses, none = _ONE_OF[command]
    mine = await tx.person_signups(ctx.person.id, ctx.now) if ctx.person.saved else []
    events = [e for e, s in mine if s.status in statuses and not e.is_cancelled and e.starts_at > ctx.now]
    if not events:
        raise NotFound(none)
    if len(events) == 1:
        return events[0].id
    shown = events[:MAX_ROLE_BUTTONS]
    lines = ["Which one?", *(f"- `{command} {e.id}`: {bold(esc(e.title))}, "
                             f"{when_text(e, ctx.tz, ctx.now, home=ctx.campaign_tz)}" for e in shown)]
    return Reply("\n".join(fit_lines(lines)), buttons=tuple(
        Button(f"{command.capitalize()} #{e.id}: {e.title}"[:80], f"{command} {e.id}") for e in shown))


async def cancel(ctx: Context, args: dict[str, Any]) -> Reply:
    async with ctx.store.transaction() as tx:
        await ctx.known_person(tx)
        which = await _which_event(ctx, tx, args, "cancel")
        if isinstance(which, Reply):
            return which
        event = await load_event(tx, which)
        if event.starts_at <= ctx.now and not event.is_cancelled:
            raise Conflict(f"Event #{event.id} has already started; tell an organizer instead.")
        result = await tx.cancel_signup(event, ctx.person, ctx.now)
        if result is None:
            raise NotFound(f"You're not signed up for #{event.id} ({esc(event.title)}).")
        # An offer they answered before it reached them is not sent after all.
        await tx.cancel_pending(event_id=event.id, kinds=("offer",), now=ctx.now, person_id=ctx.person.id)
        notifier = ctx.notifier(tx)
        await plan_person(notifier, result.event, ctx.person)
        if result.freed_a_spot:
            await refill(notifier, result.event, result.role_id)
    what = {"confirmed": "spot", "offered": "offered spot"}.get(result.was, "waitlist place")
    return Reply(f"Cancelled your {what} for {bold(esc(event.title))} (#{event.id}). Thanks for letting us know.")


async def mine(ctx: Context, args: dict[str, Any]) -> Reply:
    async with ctx.store.snapshot() as tx:
        # Called-off events stay listed (marked) until they would have ended: someone who missed the
        # notice still finds out here.
        rows = await tx.person_signups(ctx.person.id, ctx.now, include_cancelled=True)
    if not rows:
        return Reply("You have no upcoming sign-ups. Type `events` to find one.")
    listed = []
    for event, s in rows:
        status = {"confirmed": f"as {esc(s.role)}", "offered": f"spot offered: `claim {event.id}`"}.get(
            s.status, f"waitlist #{s.position} for {esc(s.role)}")
        listed.append(f"- {event_line(event, ctx.tz, ctx.now, home=ctx.campaign_tz)} · {bold(status)}")
    shown = fit_lines(listed)
    lines = [bold("Your sign-ups"), *shown]
    if len(shown) < len(listed):
        lines.append(f"_…and {len(listed) - len(shown)} more._")
    lines.append("Type `calendar` for a calendar file of these.")
    return Reply("\n".join(lines))


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def roster_csv(event: Event, signups: list[Signup], ctx: Context) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["name", "platform", "role", "status", "position", "signed up at", "said still coming",
                     "checked in"])
    tz = ctx.campaign_tz

    def at(instant: datetime | None) -> str:
        return instant.astimezone(tz).isoformat(timespec="minutes") if instant else ""

    for s in signups:
        writer.writerow([_cell(s.person.display_name), s.person.platform, s.role, s.status, s.position or "",
                         at(s.signed_up_at), at(s.reconfirmed_at), at(s.checked_in_at)])
    return buffer.getvalue().encode("utf-8")


async def roster(ctx: Context, args: dict[str, Any]) -> Reply:
    async with ctx.store.snapshot() as tx:
        event = await load_event(tx, args["event"])
        signups = await tx.event_signups(event.id)
    checked = sum(1 for s in signups if s.checked_in_at)
    coming = sum(1 for s in signups if s.reconfirmed_at and s.status == "confirmed")
    lines = [f"Roster for {event_line(event, ctx.tz, ctx.now, home=ctx.campaign_tz)}"]
    for role in event.roles:
        lines.append(f"- {esc(role.name)}: {spots_text(role)}")
    lines.append(f"{coming} said they're still coming; {checked} checked in. The full list is in the attached file.")
    attachment = Attachment(f"roster-event-{event.id}.csv", roster_csv(event, signups, ctx), "text/csv")
    return Reply("\n".join(lines), attachments=(attachment,))


def _match(signups: list[Signup], who: str) -> list[Signup]:
    mention = _MENTION.match(who)
    if mention:
        return [s for s in signups if s.person.user_id == mention.group(1)]
    wanted = who.lstrip("@").casefold()
    exact = [s for s in signups if s.person.user_id.casefold() == wanted or s.person.display_name.casefold() == wanted]
    return exact or [s for s in signups if s.person.display_name.casefold().startswith(wanted)]


async def checkin(ctx: Context, args: dict[str, Any]) -> Reply:
    async with ctx.store.transaction() as tx:
        event = await load_event(tx, args["event"])
        signups = [s for s in await tx.event_signups(event.id) if s.status == "confirmed"]
        found = _match(signups, args["person"])
        if not found:
            raise NotFound(f"No one called `{esc(args['person'][:40])}` is confirmed for #{event.id}.")
        if len(found) > 1:
            names = ", ".join(f"`{esc(s.person.display_name)}`" for s in found[:10])
            raise UsageError(f"`{esc(args['person'][:40])}` matches several people: {names}. Be more specific.")
        fresh = await tx.check_in(found[0].id, ctx.now)
    name = esc(found[0].person.display_name)
    if not fresh:
        return Reply(f"{name} was already checked in for #{event.id}.")
    return Reply(f"Checked in {name} for {bold(esc(event.title))} (#{event.id}).")


async def claim(ctx: Context, args: dict[str, Any]) -> Reply:
    async with ctx.store.transaction() as tx:
        await ctx.known_person(tx)
        which = await _which_event(ctx, tx, args, "claim")
        if isinstance(which, Reply):
            return which
        event = await load_event(tx, which)
        ensure_open(event, ctx.now)
        mine = await tx.person_signup(event.id, ctx.person.id)
        if mine is None:
            raise NotFound(f"There is no spot waiting for you at #{event.id}; `signup {event.id}` joins the list.")
        if mine.status == "waitlisted":  # not a mistake: they are where they should be
            return Reply(f"No spot has opened for you at #{event.id} yet: you're number {mine.position} on the "
                         f"{esc(mine.role)} waitlist, and I'll message you as soon as one does.")
        if mine.status == "confirmed":
            return Reply(f"You already have your spot for {bold(esc(event.title))} (#{event.id}).")
        if not await tx.claim_offer(mine.id, ctx.now):
            raise Conflict("That offer has run out, sorry; the spot went to the next person.")
        await tx.cancel_pending(event_id=event.id, kinds=("offer",), now=ctx.now, person_id=ctx.person.id)
        fresh = await load_event(tx, event.id)
        await plan_person(ctx.notifier(tx), fresh, ctx.person)
    return Reply(f"It's yours! You're confirmed as {esc(mine.role)} for {bold(esc(event.title))} (#{event.id}), "
                 f"{when_text(event, ctx.tz, ctx.now, home=ctx.campaign_tz)}.")


async def confirm(ctx: Context, args: dict[str, Any]) -> Reply:
    async with ctx.store.transaction() as tx:
        await ctx.known_person(tx)
        which = await _which_event(ctx, tx, args, "confirm")
        if isinstance(which, Reply):
            return which
        event = await load_event(tx, which)
        ensure_open(event, ctx.now)
        mine = await tx.person_signup(event.id, ctx.person.id)
        if mine is None or mine.status != "confirmed":
            raise NotFound(f"You don't have a spot at #{event.id} to confirm.")
        await tx.reconfirm(mine.id, ctx.now)
        await plan_person(ctx.notifier(tx), event, ctx.person)  # the day-before message no longer asks
    return Reply(f"Thanks for confirming. See you at {bold(esc(event.title))}!")


async def forget_signups(ctx: Context, tx: Tx, person: Person) -> None:
    """Before a person is deleted, give their spots to the waitlist."""
    held = await tx.person_held_spots(person.id)
    await tx.cancel_all_signups(person.id)
    notifier = ctx.notifier(tx)
    for event_id, role_id in held:
        await refill(notifier, await load_event(tx, event_id), role_id)


def register(registry: Registry) -> None:
    registry.forget_hooks.append(forget_signups)
    event = Param("event", "event", "The event's id (see `events`)")
    registry.add(Command(
        "signup", "Sign up for an event (waitlisted when full)", signup,
        (event, Param("role", "text", "Which role, when the event has several", required=False, max_length=32)),
        stores_asker=False, finds_asker=True, remembered=True, examples=("signup 3", "signup 3 speaker"),
    ))
    yours = Param("event", "event", "The event's id; leave it out when you have only one", required=False)
    registry.add(Command("cancel", "Give up your spot; the waitlist moves up", cancel, (yours,),
                         stores_asker=False, remembered=True, examples=("cancel 3", "cancel")))
    registry.add(Command("claim", "Take a spot you were offered from the waitlist", claim, (yours,),
                         stores_asker=False, remembered=True, examples=("claim 3", "claim")))
    registry.add(Command("confirm", "Say you're still coming (asked the day before)", confirm, (yours,),
                         stores_asker=False, remembered=True, examples=("confirm 3", "confirm")))
    registry.add(Command("mine", "Your upcoming sign-ups and waitlist places", mine, stores_asker=False,
                         examples=("mine",)))
    registry.add(Command("roster", "Who is signed up, as a CSV file (organizers)", roster, (event,),
                         organizer=True, examples=("roster 3",)))
    registry.add(Command(
        "checkin", "Mark someone as attended (organizers)", checkin,
        (event, Param("person", "words", "Their name as shown in the roster", max_length=80)),
        organizer=True, examples=("checkin 3 alice",),
    ))
