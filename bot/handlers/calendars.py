"""Imported calendars (organizers): council meetings become events without anyone typing them in.

The network side lives in ``tasks.calendar_jobs``. It is imported when an organizer runs one of
these commands, not when the core is imported: the core must load no ``tasks`` module (nor
aiohttp) at start-up, and the console starts without them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.commands import Command, Param, Registry
from bot.context import Context
from bot.errors import Conflict, NotFound, TurnoutError
from bot.markup import bold, esc
from bot.meetings import (
    MAX_NAME,
    SYNC_EVERY,
    SYNC_TIMER,
    CalendarSpec,
    apply_meetings,
    parse_spec,
    record_success,
    source_origin,
    spec_label,
    sync_calendar,
)
from bot.model import Reply
from bot.notify import Notifier
from bot.reminders import human_span
from bot.store import Tx
from bot.store.calendars import Calendar
from bot.timeparse import format_when

DEFAULT_SPEAK_SPOTS = 5


async def load_calendar(tx: Tx, name: str) -> Calendar:
    calendar = await tx.calendar_named(name.strip())
    if calendar is None:
        names = [c.name for c in await tx.calendars()]
        known = f" Calendars: {', '.join(f'`{esc(n)}`' for n in names)}." if names else ""
        raise NotFound(f"There is no calendar called `{esc(name[:MAX_NAME])}`.{known}")
    return calendar


def _begin(ctx: Context):  # type: ignore[no-untyped-def]
    @asynccontextmanager
    async def begin() -> AsyncIterator[Notifier]:
        async with ctx.store.transaction() as tx:
            yield ctx.notifier(tx)

    return begin


def _meetings(count: int) -> str:
    return f"{count} meeting{'s' if count != 1 else ''}"


def _overlaps(a: CalendarSpec, b: CalendarSpec) -> bool:
    """Whether two sources would import the same meetings: the same feed, or a Legistar client whole
    and one of its bodies (two different bodies of one client never share a meeting)."""
    if source_origin(a) != source_origin(b):
        return False
    return a.kind != "legistar" or not a.body or not b.body or a.body.lower() == b.body.lower()


async def _refuse_taken(tx: Tx, name: str, spec: CalendarSpec) -> None:
    if await tx.calendar_named(name) is not None:
        raise Conflict(f"There is already a calendar called `{esc(name)}`. Pick another name.")
    same = next((c for c in await tx.calendars() if _overlaps(parse_spec(c.spec, allow_file=True), spec)), None)
    if same is not None:
        raise Conflict(f"That source is already imported as the calendar `{esc(same.name)}`.")


async def calendar_add(ctx: Context, args: dict[str, Any]) -> Reply:
    name = args["name"]
    spec = parse_spec(args["spec"])
    spots = args.get("speakers") or DEFAULT_SPEAK_SPOTS
    async with ctx.store.snapshot() as tx:
        await _refuse_taken(tx, name, spec)
    # Read it once before adding it: a mistyped address is told now, and nothing is added.
    meetings, until = await ctx.need_sources().calendar_meetings(str(spec), now=ctx.now)
    async with ctx.store.transaction() as tx:
        await _refuse_taken(tx, name, spec)  # again: another add may have come first meanwhile
        calendar = await tx.add_calendar(name, str(spec), spots, ctx.now)
        n = ctx.notifier(tx)
        summary = await apply_meetings(n, calendar, meetings, until=until)
        await record_success(n, calendar)
    return Reply(
        f"Added calendar {bold(esc(name))} ({esc(spec.label)}): {_meetings(summary.found)} found; "
        f"{summary.text()}. Each meeting has the roles `attend` and `speak` ({spots} spots). "
        f"I'll check it every {human_span(SYNC_EVERY).removeprefix('1 ')}; `events` shows them."
    )


async def calendar_list(ctx: Context, args: dict[str, Any]) -> Reply:
    async with ctx.store.snapshot() as tx:
        calendars = await tx.calendars()
    if not calendars:
        return Reply("No calendars yet. Add one with `calendar add Council ics:https://…/calendar.ics`.")
    lines = [bold("Imported calendars")]
    for c in calendars:
        synced = format_when(c.synced_at, ctx.tz, now=ctx.now) if c.synced_at else "never"
        line = f"- {bold(esc(c.name))} · {esc(spec_label(c))} · speak spots {c.speak_spots} · last sync {synced}"
        if c.last_error:
            failures = f" ({c.failures} failures in a row)" if c.failures > 1 else ""
            line += f" · last error{failures}: {esc(c.last_error)}"
        lines.append(line)
    return Reply("\n".join(lines))


async def calendar_remove(ctx: Context, args: dict[str, Any]) -> Reply:
    async with ctx.store.transaction() as tx:
        calendar = await load_calendar(tx, args["name"])
        await tx.cancel_timers(kind=SYNC_TIMER, ref=calendar.id)
        count = await tx.remove_calendar(calendar.id)
    kept = f" Its {count} imported event{'s' if count != 1 else ''} stay; edit or cancel them as usual." if count \
        else ""
    return Reply(f"Removed calendar {bold(esc(calendar.name))}: I won't import from it any more.{kept}")


async def calendar_sync(ctx: Context, args: dict[str, Any]) -> Reply:
    async with ctx.store.snapshot() as tx:
        if args.get("name") is not None:
            calendars = [await load_calendar(tx, args["name"])]
        else:
            calendars = await tx.calendars()
    if not calendars:
        return Reply("No calendars to sync. Add one with `calendar add`.")
    lines: list[str] = []
    problems = 0
    for calendar in calendars:
        try:
            summary = await sync_calendar(calendar, sources=ctx.need_sources(), config=ctx.config, now=ctx.now,
                                          begin=_begin(ctx))
        except TurnoutError as exc:
            problems += 1
            lines.append(f"{bold(esc(calendar.name))}: {exc.prefix}: {exc.message}")
        else:
            lines.append(f"{bold(esc(calendar.name))}: {_meetings(summary.found)} found; {summary.text()}.")
    if len(calendars) == 1:
        return Reply(lines[0], is_error=bool(problems))
    return Reply("\n".join(f"- {line}" for line in lines), is_error=problems == len(calendars))


def register(registry: Registry) -> None:
    name = Param("name", "text", "The calendar's name, e.g. Council", max_length=MAX_NAME)
    registry.add(Command(
        "calendar add", "Import meetings from a council calendar (organizers)", calendar_add,
        (name, Param("spec", "words", "ics:<feed address> or legistar:<client>[:<body>]", max_length=2100),
         Param("speakers", "int", "Public-comment speaker spots per meeting (default 5)", min=1, max=1000,
               required=False, keyword=True)),
        organizer=True,
        examples=("calendar add Council ics:https://www.durhamnc.gov/common/modules/iCalendar/iCalendar.aspx?catID=29"
                  "&feed=calendar",
                  "calendar add County legistar:durhamcounty:Board of Commissioners speakers:3"),
        details="Each upcoming meeting becomes an event with the roles `attend` (unlimited) and `speak`. The "
                "calendar is read once now (nothing is added if it can't be read) and then every hour: moved "
                "meetings are updated and the people signed up told; cancelled or removed ones are cancelled. "
                "Your own changes to roles, spots and reminders are kept.",
    ))
    registry.add(Command("calendar list", "Imported calendars and how their last sync went (organizers)",
                         calendar_list, organizer=True, examples=("calendar list",)))
    registry.add(Command(
        "calendar remove", "Stop importing a calendar; its events stay (organizers)", calendar_remove,
        (Param("name", "words", "The calendar's name", max_length=MAX_NAME),),
        organizer=True, examples=("calendar remove Council",),
    ))
    registry.add(Command(
        "calendar sync", "Import a calendar (or all) now (organizers)", calendar_sync,
        (Param("name", "words", "The calendar's name; all if left out", required=False, max_length=MAX_NAME),),
        organizer=True, examples=("calendar sync", "calendar sync Council"),
    ))
