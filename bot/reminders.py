"""Planning reminders as outbox rows: one per (event time, offset, recipient), due at an instant.

The plan is recomputed whenever what it depends on changes (a sign-up, a cancellation, an edit,
someone's reminder setting or zone). Keys carry the event's start, so moving an event retires
the old rows and plans new ones; a row that was sent is never touched again.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config import Config
from bot.domain import Event, Person
from bot.markup import bold, esc
from bot.model import Button, Outgoing, Reply
from bot.notify import Notifier, channel_target, dm_target, zone_of
from bot.store.channels import linked_channels
from bot.store.outbox import cancel_keys, pending_keys, plan_delivery
from bot.store.signups import confirmed_people, confirmed_person, reconfirmed
from bot.timeparse import iso_utc, localize, parse_offsets
from bot.views import is_whole_days, when_text

REMINDER_KINDS = ("reminder", "confirm")
#: The reminder closest to a day before, within these bounds, asks "still coming?".
CONFIRM_BOUNDS = (timedelta(hours=12), timedelta(hours=36))
#: An all-day entry (a holiday, a council date whose hour is not announced yet) is reminded of as if it
#: began at this hour of its first day, in the campaign's zone: "2 hours before" is 7 AM that day, "1 day
#: before" 9 AM the day before; counted from midnight they would wake people at 10 PM with "starts in 2 hours".
ALL_DAY_ANCHOR = time(9)


def offsets_for(event: Event, config: Config) -> list[timedelta]:
    if event.remind:
        return parse_offsets(event.remind)
    return list(config.campaign.reminders)


def confirm_offset(offsets: list[timedelta]) -> timedelta | None:
    low, high = CONFIRM_BOUNDS
    candidates = [o for o in offsets if low <= o <= high]
    return min(candidates, key=lambda o: abs(o - timedelta(days=1))) if candidates else None


def human_span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes == 0:
        seconds = int(delta.total_seconds())
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    for size, unit in ((7 * 24 * 60, "week"), (24 * 60, "day"), (60, "hour"), (1, "minute")):
        if minutes >= size and minutes % size == 0 or size == 1:
            count = max(minutes // size, 1)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{minutes} minutes"


#: A reminder says "starts in 2 hours": later than a quarter of its lead time (30 minutes for that one, a
#: minute at least) it would mislead, so it is skipped, as it is once the event has begun (an all-day
#: entry: once it is over).
LATE_SHARE = 4
LATE_FLOOR = timedelta(minutes=1)


def _expires(event: Event, due: datetime, offset: timedelta, home: ZoneInfo) -> datetime:
    late = max(offset / LATE_SHARE, LATE_FLOOR)
    return min(due + late, event.ends_at if is_whole_days(event, home) else event.starts_at)


def anchor(event: Event, home: ZoneInfo) -> datetime:
    """The instant reminder offsets count back from: the start, or for an all-day entry the anchor hour."""
    return reminder_due(event, timedelta(0), home)


def reminder_due(event: Event, offset: timedelta, home: ZoneInfo) -> datetime:
    """When the reminder ``offset`` before ``event`` goes out. A timed event counts real hours back from
    its start; an all-day entry counts on the wall clock, so "1 day before" is 9 AM the day before even
    when the clocks change in between."""
    if not is_whole_days(event, home):
        return event.starts_at - offset
    wall = datetime.combine(event.starts_at.astimezone(home).date(), ALL_DAY_ANCHOR) - offset
    return localize(wall.date(), wall.time(), home)


def reminder_reply(event: Event, offset: timedelta, tz: ZoneInfo, *, home: ZoneInfo, confirm: bool,
                   channel: bool) -> Reply:
    """The reminder ``offset`` before ``event``, its times shown in ``tz`` (the campaign's zone is ``home``)."""
    where = f" at {esc(event.location)}" if event.location else ""
    if is_whole_days(event, home):  # dates, not hours: the same for everyone, in the campaign's zone
        due = reminder_due(event, offset, home).astimezone(home)
        days = (event.starts_at.astimezone(home).date() - due.date()).days
        soon = "is today" if days <= 0 else "is tomorrow" if days == 1 else f"is in {days} days"
        text = f"Reminder: {bold(esc(event.title))} (#{event.id}) {soon}: {when_text(event, home, due)}{where}."
    else:
        text = (f"Reminder: {bold(esc(event.title))} (#{event.id}) starts in {human_span(offset)}: "
                f"{when_text(event, tz, event.starts_at, home=home)}{where}.")
    if channel:
        return Reply(text + f" Type `event {event.id}` to sign up or see how many are going.", visibility="channel")
    if confirm:
        return Reply(text + "\nStill coming?", buttons=(
            Button("Yes, I'll be there", f"confirm {event.id}", style="success"),
            Button("Can't make it", f"cancel {event.id}", style="danger"),
        ))
    return Reply(text, buttons=(Button("Cancel my spot", f"cancel {event.id}", style="secondary"),))


def _key(event: Event, offset: timedelta, who: str) -> str:
    return f"reminder:{event.id}:{iso_utc(event.starts_at)}:{int(offset.total_seconds())}:{who}"


def _plan_person_rows(conn: sqlite3.Connection, event: Event, person: Person, offsets: list[timedelta],
                      confirm_at: timedelta | None, now: datetime, config: Config) -> set[str]:
    wanted: set[str] = set()
    if not person.reminders:
        return wanted
    home = config.campaign.tz
    for offset in offsets:
        due = reminder_due(event, offset, home)
        key, expires = _key(event, offset, f"p{person.id}"), _expires(event, due, offset, home)
        if due <= now and now >= expires:
            continue
        confirm = offset == confirm_at
        reply = reminder_reply(event, offset, zone_of(person, home), home=home, confirm=confirm, channel=False)
        plan_delivery(conn, Outgoing(dm_target(person), reply, key=key, person_id=person.id, due_at=due,
                                     expires_at=expires), "confirm" if confirm else "reminder", now, event.id)
        wanted.add(key)
    return wanted


def plan_person_now(conn: sqlite3.Connection, event: Event, person_id: int, config: Config, now: datetime) -> int:
    """Plan (or retire) one person's reminders for one event, on the database thread (one trip).

    Returns how many are planned: the runner must hear of them, since one may fall due before its alarm.
    """
    wanted: set[str] = set()
    if not event.is_cancelled and anchor(event, config.campaign.tz) > now:
        person = confirmed_person(conn, event.id, person_id)
        if person is not None:
            offsets = offsets_for(event, config)
            ask = None if reconfirmed(conn, event.id, person.id) else confirm_offset(offsets)
            wanted = _plan_person_rows(conn, event, person, offsets, ask, now, config)
    _retire(conn, event.id, wanted, now, person_id)
    return len(wanted)


def _retire(conn: sqlite3.Connection, event_id: int, wanted: set[str], now: datetime,
            person_id: int | None = None) -> None:
    """Cancel the event's planned reminders (one person's, if given) that the new plan no longer has."""
    cancel_keys(conn, [k for k in pending_keys(conn, event_id, REMINDER_KINDS, person_id) if k not in wanted], now)


async def plan_person(n: Notifier, event: Event, person: Person) -> None:
    """Plan (or retire) one person's reminders for one event."""
    n.queued += await n.tx.call(plan_person_now, event, person.id, n.config, n.now)


def _plan_event_rows(conn: sqlite3.Connection, event: Event, config: Config, now: datetime) -> int:
    """Every reminder of an event, for its linked channels and each confirmed volunteer; stale ones retired."""
    wanted: set[str] = set()
    home = config.campaign.tz
    if not event.is_cancelled and anchor(event, home) > now:
        offsets = offsets_for(event, config)
        for link in linked_channels(conn, "reminders"):
            for offset in offsets:
                due = reminder_due(event, offset, home)
                key, expires = _key(event, offset, f"ch{link.id}"), _expires(event, due, offset, home)
                if due <= now and now >= expires:
                    continue
                reply = reminder_reply(event, offset, home, home=home, confirm=False, channel=True)
                out = Outgoing(channel_target(link), reply, key=key, due_at=due, expires_at=expires)
                plan_delivery(conn, out, "reminder", now, event.id)
                wanted.add(key)
        confirm_at = confirm_offset(offsets)
        sure = reconfirmed(conn, event.id)  # said they're coming: a plain reminder, not "Still coming?"
        for person in confirmed_people(conn, event.id):
            ask = None if person.id in sure else confirm_at
            wanted |= _plan_person_rows(conn, event, person, offsets, ask, now, config)
    _retire(conn, event.id, wanted, now)
    return len(wanted)


async def plan_event(n: Notifier, event: Event) -> None:
    """Plan every reminder of an event (one trip), and the check for too few volunteers."""
    n.queued += await n.tx.call(_plan_event_rows, event, n.config, n.now)
    check_at = reminder_due(event, n.config.campaign.understaffed_before, n.config.campaign.tz)  # not midnight
    # The check belongs to one start time: a moved event's old check goes; the current one stays even
    # when it is due and not yet run (an edit in that minute must not drop the alert).
    wanted = not event.is_cancelled and event.starts_at > n.now and any(r.spots is not None for r in event.roles)
    await n.tx.cancel_timers(kind="understaffed", ref=event.id, keep=understaffed_key(event) if wanted else "")
    if wanted and check_at > n.now:
        await n.tx.set_timer(understaffed_key(event), "understaffed", event.id, check_at, n.now)


def understaffed_key(event: Event) -> str:
    return f"understaffed:{event.id}:{iso_utc(event.starts_at)}"
