"""Seeing, adding, editing and cancelling events."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot import validate
from bot.commands import Command, Param, Registry
from bot.context import Context
from bot.domain import Event, Person
from bot.errors import Conflict, NotFound, UsageError
from bot.event_changes import after_edit, cancel_event
from bot.markup import bold, esc
from bot.model import Reply
from bot.recurrence import occurrences, parse_rule
from bot.reminders import plan_event
from bot.series import extend_series
from bot.store import Tx
from bot.store.events import MAX_LENGTH
from bot.timeparse import (
    NO_REMINDERS,
    clock_note,
    format_offset,
    format_when,
    meant_clock,
    morning_note,
    other_half,
    parse_when,
    until_note,
)
from bot.views import event_buttons, event_card, event_line, event_text, fit_lines

DEFAULT_LENGTH = timedelta(hours=2)
#: The longest an event that ends at a time of day before its start (past midnight) is taken to run.
OVERNIGHT = timedelta(hours=12)
DEFAULT_ROLE = "volunteer"
LIST_LIMIT = 15


async def load_event(tx: Tx, event_id: int) -> Event:
    event = await tx.event(event_id)
    if event is None:
        raise no_such_event(event_id)
    return event


def no_such_event(event_id: int) -> NotFound:
    return NotFound(f"There is no event #{event_id}. Type `events` to see the upcoming ones.")


async def events(ctx: Context, args: dict[str, Any]) -> Reply:
    page = args.get("page") or 1
    async with ctx.store.snapshot() as tx:
        upcoming = await tx.upcoming_events(ctx.now, limit=LIST_LIMIT + 1, offset=(page - 1) * LIST_LIMIT)
    if not upcoming:
        if page > 1:
            return Reply(f"There is no page {page} of upcoming events. Type `events` for the first.")
        hint = " Add one with `event add`." if ctx.is_organizer else ""
        return Reply("No upcoming events yet." + hint)
    listed = fit_lines([f"- {event_line(e, ctx.tz, ctx.now, home=ctx.campaign_tz)}" for e in upcoming[:LIST_LIMIT]])
    lines = [bold("Upcoming events" + (f", page {page}" if page > 1 else "")), *listed]
    if len(upcoming) > LIST_LIMIT:
        lines.append(f"_…and more: `events {page + 1}` shows the next page._")
    elif len(listed) < len(upcoming):
        lines.append(f"_…and {len(upcoming) - len(listed)} more that did not fit._")
    lines.append("Type `event <id>` for details and sign-up buttons.")
    return Reply("\n".join(lines))


async def event_show(ctx: Context, args: dict[str, Any]) -> Reply:
    async with ctx.store.snapshot() as tx:
        event = await load_event(tx, args["event"])
        mine = await tx.person_signup(event.id, ctx.person.id)
    status = "" if mine is None else _my_status(mine.status, mine.role, mine.position)
    text = event_text(event, ctx.tz, ctx.now, home=ctx.campaign_tz) + (f"\n{status}" if status else "")
    return Reply(text, cards=(event_card(event, ctx.tz, ctx.now, home=ctx.campaign_tz),),
                 buttons=event_buttons(event, ctx.now), summary=status)


def _my_status(status: str, role: str, position: int | None) -> str:
    if status == "confirmed":
        return f"You're signed up as {esc(role)}."
    return f"You're number {position} on the {esc(role)} waitlist."


def _times(ctx: Context, args: dict[str, Any], current: Event | None = None) -> tuple[datetime, datetime] | None:
    """Start and end from ``when``/``until``/``duration``; None when none of them was given."""
    if args.get("when") is None and args.get("until") is None and args.get("duration") is None:
        return None
    if args.get("until") is not None and args.get("duration") is not None:
        raise UsageError("Give either `until:` or `duration:`, not both.")
    tz = ctx.campaign_tz
    if args.get("when") is not None:
        start = parse_when(args["when"], now=ctx.now, tz=tz)
        if start <= ctx.now:
            raise UsageError(f"{format_when(start, tz, now=ctx.now)} is in the past. Pick a time ahead.")
    else:
        assert current is not None
        start = current.starts_at
    if args.get("until") is not None:
        end = _end(ctx, args["until"], start)
    elif args.get("duration") is not None:
        end = start + args["duration"]
    elif current is not None:
        end = start + (current.ends_at - current.starts_at)
    else:
        end = start + DEFAULT_LENGTH
    if end <= start:
        raise UsageError("The end (`until:`) must be after the start (`when:`).")
    if end - start > MAX_LENGTH:
        raise UsageError(f"An event can last at most {MAX_LENGTH.days} days.")
    return start, end


def _end(ctx: Context, typed: str, start: datetime) -> datetime:
    """The end ``until:`` means: the time as typed on the start's day when it is after the start, else
    the first reading after it within ``OVERNIGHT``: 7 PM until 9:30 ends at 9:30 PM, 9:00 until 5:00
    at 5 PM, 10 PM until 1am or 12:30 the next morning; 7 PM until 6 PM is a slip, not 23 hours."""
    tz = ctx.campaign_tz
    day = start.astimezone(tz).date()
    end = parse_when(typed, now=ctx.now, tz=tz, day=day)
    if end > start:
        return end
    other = other_half(typed)
    for text, on in ((other, day), (typed, day + timedelta(days=1)), (other, day + timedelta(days=1))):
        if text is not None:
            later = parse_when(text, now=ctx.now, tz=tz, day=on)
            if start < later <= start + OVERNIGHT:
                return later
    return end


def times_note_lines(ctx: Context, args: dict[str, Any], start: datetime, end: datetime) -> str:
    """Notes on how the typed ``when:`` and ``until:`` were read, or nothing."""
    until = until_note(args["until"], end, ctx.campaign_tz, now=ctx.now) if args.get("until") else None
    return clock_note_line(ctx, args.get("when"), start) + (f"\nNote: {until}" if until else "")


def clock_note_line(ctx: Context, typed: str | None, instant: datetime) -> str:
    """Lines about a typed time read as morning (``7:00``), or one the clocks skip or repeat that
    day; or nothing."""
    if not typed:
        return ""
    notes = (morning_note(typed), clock_note(typed, instant, ctx.campaign_tz, now=ctx.now))
    return "".join(f"\nNote: {note}" for note in notes if note)


def _roles(args: dict[str, Any]) -> list[tuple[str, int | None]]:
    if args.get("roles") is not None and args.get("spots") is not None:
        raise UsageError('Give either `spots:` (one role) or `roles:"speaker=5,attendee"`, not both.')
    if args.get("roles") is not None:
        return validate.roles(args["roles"])
    return [(DEFAULT_ROLE, args.get("spots"))]


def _texts(args: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if args.get("title") is not None:
        out["title"] = args["title"]
    if args.get("where") is not None:
        out["location"] = args["where"]
    if args.get("about") is not None:
        out["about"] = args["about"]
    if args.get("link") is not None:
        out["link"] = validate.url(args["link"])
    if args.get("remind") is not None:
        out["remind"] = ",".join(format_offset(o) for o in args["remind"]) or NO_REMINDERS[0]
    return out


async def event_add(ctx: Context, args: dict[str, Any]) -> Reply:
    times = _times(ctx, args)
    assert times is not None, "when: is required by the declaration"
    roles = _roles(args)
    fields = _texts(args)
    if args.get("repeat") is not None:
        return await _add_series(ctx, args, times, roles, fields)
    async with ctx.store.transaction() as tx:
        twins = await tx.same_events(fields["title"], times[0])
        event = await tx.create_event(
            title=fields.pop("title"), starts_at=times[0], ends_at=times[1], roles=roles, now=ctx.now,
            created_by=ctx.person.id, **fields,
        )
        await plan_event(ctx.notifier(tx), event)
    twin = _twin_note(twins, "this one", f"`event cancel {event.id}` removes it")
    return Reply(
        f"Added event: {event_line(event, ctx.tz, ctx.now, home=ctx.campaign_tz)}"
        + times_note_lines(ctx, args, *times) + twin,
        cards=(event_card(event, ctx.tz, ctx.now, home=ctx.campaign_tz),),
        buttons=event_buttons(event, ctx.now),
    )


def _twin_note(twins: list[int], what: str, undo: str) -> str:
    """A note when an event of the same title and start was there already (a command sent twice)."""
    if not twins:
        return ""
    return f"\nNote: #{twins[0]} has this title and time already. If {what} was sent twice by mistake, {undo}."


async def _add_series(
    ctx: Context, args: dict[str, Any], times: tuple[datetime, datetime], roles: list[tuple[str, int | None]],
    fields: dict[str, Any],
) -> Reply:
    rule = parse_rule(args["repeat"])
    local_start = times[0].astimezone(ctx.campaign_tz)
    # The time the organizer typed, even when the first date's clocks skip it (2:30 AM on spring-forward
    # day is 3:30 that day, and 2:30 every other week).
    clock = meant_clock(args["when"], times[0], ctx.campaign_tz, now=ctx.now)
    template = {
        "title": fields["title"], "location": fields.get("location", ""), "about": fields.get("about", ""),
        "link": fields.get("link", ""), "remind": fields.get("remind"), "kind": "event", "roles": roles,
        "created_by": ctx.person.id,
    }
    length = int((times[1] - times[0]).total_seconds() // 60)
    async with ctx.store.transaction() as tx:
        series_id = await tx.add_series(args["repeat"], clock, local_start.date(), length, template,
                                        ctx.now, tz=ctx.config.campaign.timezone)
        [series] = [s for s in await tx.active_series() if s.id == series_id]
        created = await extend_series(ctx.notifier(tx), series)
        if not created:  # every date is beyond the window: make the first one now, so the series can be seen
            [first, *_] = occurrences(rule, series.first_date, series.first_date,
                                      series.first_date + timedelta(days=2 * 366)) or [None]
            if first is None:
                raise UsageError(f"{rule.describe().capitalize()} gives no date in the next two years; check it.")
            created = await extend_series(ctx.notifier(tx), series, through=first)
        twins = [i for i in await tx.same_events(fields["title"], created[0].starts_at) if i != created[0].id]
    dates = f"{len(created)} {'date' if len(created) == 1 else 'dates'}"
    lines = [f"Added a series, {rule.describe()}, with {dates} so far (more are added as time goes):"]
    lines += [f"- {event_line(e, ctx.tz, ctx.now, home=ctx.campaign_tz)}" for e in created[:10]]
    undo = f"`event end-series {created[0].id}` and `event cancel {created[0].id}` remove it"
    return Reply("\n".join(lines) + times_note_lines(ctx, args, *times) + _twin_note(twins, "this series", undo),
                 buttons=event_buttons(created[0], ctx.now))


async def event_edit(ctx: Context, args: dict[str, Any]) -> Reply:
    editable = ("title", "when", "until", "duration", "where", "about", "link", "spots", "roles", "remind")
    if all(args.get(k) is None for k in editable):
        raise UsageError("Nothing to change. Give at least one of " + ", ".join(f"`{k}:`" for k in editable) + ".")
    async with ctx.store.transaction() as tx:
        event = await load_event(tx, args["event"])
        if event.is_cancelled:
            raise Conflict(f"Event #{event.id} was cancelled; it can't be edited.")
        changes = _texts(args)
        times = _times(ctx, args, current=event)
        if times is not None:
            changes["starts_at"], changes["ends_at"] = times
        await tx.update_event(event.id, changes, ctx.now)
        await _apply_capacity(tx, event, args)
        after, told, promoted = await after_edit(ctx.notifier(tx), event)
    notes = []
    if told:
        notes.append(f"told {told} signed-up {'person' if told == 1 else 'people'}")
    if promoted:
        verb = "offered a spot to" if any(p.offered for p in promoted) else "promoted"
        notes.append(f"{verb} {len(promoted)} from the waitlist")
    for role in after.roles:
        if role.spots is not None and role.confirmed + role.offered > role.spots:
            notes.append(f"{role.confirmed + role.offered} already have the {role.spots} {esc(role.name)} "
                         f"spot{'s' if role.spots != 1 else ''}; nobody was removed")
    suffix = f" ({', '.join(notes)})" if notes else ""
    note = times_note_lines(ctx, args, after.starts_at, after.ends_at)
    return Reply(f"Updated{suffix}: {event_line(after, ctx.tz, ctx.now, home=ctx.campaign_tz)}{note}",
                 cards=(event_card(after, ctx.tz, ctx.now, home=ctx.campaign_tz),))


async def event_edit_series(ctx: Context, args: dict[str, Any]) -> Reply:
    editable = ("title", "where", "about", "link", "spots", "roles", "remind")
    if all(args.get(k) is None for k in editable):
        raise UsageError("Nothing to change. Give at least one of " + ", ".join(f"`{k}:`" for k in editable) + ".")
    async with ctx.store.transaction() as tx:
        event = await load_event(tx, args["event"])
        if event.series_id is None:
            raise Conflict(f"Event #{event.id} does not repeat. `event edit {event.id}` changes it.")
        series = await tx.live_series(event.series_id)
        if series is None:
            raise Conflict(f"The series of event #{event.id} has ended; `event edit` changes its dates one by one.")
        changes = _texts(args)
        roles = _merged_roles([(name, spots) for name, spots in series.template["roles"]], args,
                              subject="This series", label="the series")
        template = {**series.template, **changes, "roles": [list(r) for r in roles]}
        await tx.set_series_template(series.id, template)
        dates = [e for e in await tx.series_dates(series.id, since=event.starts_at) if e.starts_at > ctx.now]
        told = 0
        for day in dates:
            await tx.update_event(day.id, changes, ctx.now)
            await _apply_capacity(tx, day, args)
            told += (await after_edit(ctx.notifier(tx), day))[1]
    people = f", and told {told} signed-up {'person' if told == 1 else 'people'}" if told else ""
    return Reply(f"Updated {len(dates)} {'date' if len(dates) == 1 else 'dates'} of the series from #{event.id} on, "
                 f"and the dates still to be made{people}.")


def _merged_roles(roles: list[tuple[str, int | None]], args: dict[str, Any], *, subject: str,
                  label: str) -> list[tuple[str, int | None]]:
    """Roles (name, spots) as ``spots:`` or ``roles:`` leave them, checked the same way for one event and
    for a series; ``subject`` ("This event") and ``label`` ("#3") name it in a refusal."""
    out = list(roles)
    if args.get("spots") is not None:
        if len(out) != 1:
            names = ", ".join(name for name, _ in out)
            raise UsageError(f'{subject} has several roles ({esc(names)}): use `roles:"{esc(out[0][0])}=N"`.')
        out = [(out[0][0], args["spots"])]
    if args.get("roles") is not None:
        # Named roles are added or get new spots; `name=0` removes one. The others stay as they are.
        for name, spots in validate.roles(args["roles"], removing=True):
            at = next((i for i, (known, _) in enumerate(out) if known == name), None)
            if spots == 0:
                if at is None:
                    raise UsageError(f"{subject} has no role `{esc(name)}` to remove.")
                del out[at]
            elif at is None:
                out.append((name, spots))
            else:
                out[at] = (name, spots)
        if not out:
            raise UsageError(f"{subject} needs at least one role.")
        if len(out) > validate.MAX_ROLES:
            raise UsageError(f"At most {validate.MAX_ROLES} roles per event; {label} has {len(roles)}.")
    return out


async def _apply_capacity(tx: Tx, event: Event, args: dict[str, Any]) -> None:
    """New spot counts; more spots are filled from the waitlist by ``after_edit``, fewer remove nobody."""
    wanted = _merged_roles([(r.name, r.spots) for r in event.roles], args, subject="This event",
                           label=f"#{event.id}")
    names = {name for name, _ in wanted}
    for role in event.roles:
        if role.name not in names:
            if role.confirmed or role.waitlisted or role.offered:
                raise Conflict(f"Event #{event.id} has people signed up as {esc(role.name)}, so that role stays. "
                               "Move them first (they can cancel and sign up again).")
            await tx.remove_role(role.id)
    for name, spots in wanted:
        role = event.role(name)
        if role is None:
            await tx.add_role(event.id, name, spots)
        elif role.spots != spots:
            await tx.set_role_spots(role.id, spots)


async def event_cancel(ctx: Context, args: dict[str, Any]) -> Reply:
    reason = args.get("reason")
    async with ctx.store.transaction() as tx:
        event = await load_event(tx, args["event"])
        if event.is_cancelled:
            raise Conflict(f"Event #{event.id} is already cancelled.")
        told = await cancel_event(ctx.notifier(tx), event, reason)
    people = f" and told {told} signed-up {'person' if told == 1 else 'people'}" if told else ""
    return Reply(f"Cancelled event #{event.id} ({esc(event.title)}){people}.")


async def event_end_series(ctx: Context, args: dict[str, Any]) -> Reply:
    async with ctx.store.transaction() as tx:
        event = await load_event(tx, args["event"])
        if event.series_id is None:
            raise Conflict(f"Event #{event.id} does not repeat. `event cancel {event.id}` cancels it.")
        if not await tx.end_series(event.series_id):
            raise Conflict(f"The series of event #{event.id} has already ended; cancel later dates one by one.")
        notifier = ctx.notifier(tx)
        later = await tx.series_events_after(event.series_id, event.starts_at)
        told = 0
        for date in later:
            told += await cancel_event(notifier, date, "The repeating event has ended.")
    text = (f"{bold(esc(event.title))} no longer repeats: #{event.id} "
            f"({format_when(event.starts_at, ctx.tz, now=ctx.now)}) is its last date.")
    if later:
        dates = f"{len(later)} later date{'s' if len(later) != 1 else ''}"
        people = f" and told {told} signed-up {'person' if told == 1 else 'people'}" if told else ""
        text += f" I cancelled the {dates}{people}."
    return Reply(text)


async def forget_series_creator(ctx: Context, tx: Tx, person: Person) -> None:
    """Events keep no creator once the person is gone (a foreign key does it); series templates too."""
    await tx.forget_series_creator(person.id)


def register(registry: Registry) -> None:
    registry.forget_hooks.append(forget_series_creator)
    event = Param("event", "event", "The event's id (see `events`)")
    when = Param("when", "time", "Start, e.g. Dec 7 7pm", keyword=True, max_length=64)
    common = (
        Param("until", "time", "End time, e.g. 9pm", max_length=64, required=False, keyword=True),
        Param("duration", "duration", "Length instead of until:, e.g. 2h", required=False, keyword=True),
        Param("where", "text", "Place", required=False, keyword=True),
        Param("spots", "int", "Places (one role); unlimited if left out", min=1, max=100_000,
              required=False, keyword=True),
        Param("roles", "text", "Roles with spots, e.g. speaker=5,attendee", required=False, keyword=True),
        Param("about", "text", "Description", max_length=2000, required=False, keyword=True),
        Param("link", "text", "A web link about the event", max_length=500, required=False, keyword=True),
        Param("remind", "offsets", "Reminders before it, e.g. 3d,1d,1h, or none", required=False, keyword=True),
    )
    repeat = Param("repeat", "text", "Repeat: weekly, every 2 weeks, 1st,3rd mon", required=False, keyword=True,
                   max_length=40)
    new_title = Param("title", "text", "New title", required=False, keyword=True)
    registry.add(Command("events", "Upcoming events with open spots", events,
                         (Param("page", "int", "Which page of the list", required=False, min=1, max=1000),),
                         stores_asker=False, examples=("events", "events 2")))
    registry.add(Command("event", "One event in full, with sign-up buttons", event_show, (event,), stores_asker=False,
                         remembered=True, examples=("event 3",)))
    registry.add(Command(
        "event add", "Add an event (organizers)", event_add,
        (Param("title", "words", "What it is called", max_length=200), when, *common, repeat),
        organizer=True,
        examples=('event add Council meeting when:"Dec 7 7pm" where:"101 City Hall Plaza" '
                  'roles:"speaker=5,attendee"', "event add Canvass Old North when:sat 10am duration:3h spots:12"),
        details="Times are in the campaign's time zone: `2026-12-07 19:00`, `Dec 7 7pm`, `tomorrow 18:30`, "
                "`mon 7pm`. Without `until:` or `duration:` an event lasts 2 hours; `until:1am` after a 10 PM start "
                "ends the next morning, `until:9:30` after a 7 PM start at 9:30 PM. `7:00` alone is 7 AM (the reply "
                "says so). `repeat:` makes a series "
                "whose dates are created 8 weeks ahead, each with its own sign-ups; `event end-series` stops it.",
    ))
    registry.add(Command(
        "event edit-series", "Change a repeating event from one date on (organizers)", event_edit_series,
        (event, new_title, *[p for p in common if p.name not in ("until", "duration")]),
        organizer=True,
        examples=('event edit-series 3 where:"Union Hall"', "event edit-series 3 spots:20"),
        details="Changes the given date, every later date already made, and the dates still to come. "
                "To change the time, end the series (`event end-series`) and start a new one. `roles:` works "
                "as in `event edit` (`name=0` removes a role).",
    ))
    registry.add(Command(
        "event edit", "Change an event (organizers)", event_edit,
        (event, new_title, Param("when", "time", "New start", max_length=64, required=False, keyword=True), *common),
        organizer=True,
        examples=("event edit 3 when:Dec 8 7pm", 'event edit 3 roles:"speaker=8"'),
        details="Everyone signed up is told when the time or place changes. More spots promote the waitlist; "
                "fewer spots never remove anyone. `roles:` adds the roles it names or changes their spots and "
                'leaves the others; `roles:"volunteer=0"` removes a role nobody is signed up for.',
    ))
    registry.add(Command(
        "event cancel", "Cancel an event and tell everyone signed up (organizers)", event_cancel,
        (event, Param("reason", "words", "Why, shown to the people signed up", required=False, max_length=500)),
        organizer=True, examples=("event cancel 3 Council moved the vote",),
    ))
    registry.add(Command(
        "event end-series", "Stop a repeating event after one of its dates (organizers)", event_end_series,
        (event,), organizer=True, examples=("event end-series 12",),
        details="The date you name stays; later dates are cancelled and the people signed up for them told.",
    ))
