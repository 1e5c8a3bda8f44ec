"""What happens around an event change, whoever makes it (an organizer's command, a calendar import).

Each function works inside the caller's transaction, through a ``Notifier``, so the change, the
messages about it and the re-planned reminders commit together.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.domain import Event, Promotion
from bot.markup import bold, esc
from bot.model import Reply
from bot.notify import Notifier
from bot.reminders import REMINDER_KINDS, plan_event
from bot.timeparse import format_when
from bot.views import all_day_zone, event_card, when_text
from bot.waitlist import refill

#: Pending messages that stop making sense once an event is cancelled.
OBSOLETE_WHEN_CANCELLED = (*REMINDER_KINDS, "offer")


async def after_edit(n: Notifier, before: Event) -> tuple[Event, int, list[Promotion]]:
    """Tell people about a new time or place, refill freed capacity, re-plan reminders.

    Returns the event as it is now, how many people were told, and who moved up.
    """
    after = await n.tx.event(before.id)
    assert after is not None
    told = 0
    if after.starts_at != before.starts_at or after.location != before.location:
        for person in await n.tx.live_signup_people(after.id):
            tz, home = n.tz_of(person), n.config.campaign.tz
            where = f" at {esc(after.location)}" if after.location else ""
            await n.dm(person, Reply(
                f"{bold('Changed')}: {esc(after.title)} (#{after.id}) is now "
                f"{when_text(after, tz, n.now, home=home)}{where}.\n{_was(before, after, tz, n)}",
                cards=(event_card(after, tz, n.now, home=home),),
            ), kind="event-changed", event_id=after.id)
            told += 1
    if after.starts_at != before.starts_at:  # "Still coming?" is asked again, for the new time
        await n.tx.forget_reconfirmations(after.id)
    promoted: list[Promotion] = []
    for role in after.roles:
        promoted += await refill(n, after, role.id)
    if promoted:  # their spots changed the counts
        after = await n.tx.event(before.id)
        assert after is not None
    await plan_event(n, after)
    return after, told, promoted


def _was(before: Event, after: Event, tz: ZoneInfo, n: Notifier) -> str:
    """What changed, as it was: the time, the place, or both."""
    was = []
    if after.starts_at != before.starts_at:
        was.append(when_text(before, tz, n.now, home=n.config.campaign.tz))
    if after.location != before.location:
        was.append(f"at {esc(before.location)}" if before.location else "with no place given")
    return f"It was {' '.join(was)}."


async def cancel_event(n: Notifier, event: Event, reason: str | None) -> int:
    """Cancel an event, retire what was planned for it, and tell everyone signed up. Returns how many."""
    await n.tx.cancel_event(event.id, reason, n.now)
    await n.tx.cancel_pending(event_id=event.id, kinds=OBSOLETE_WHEN_CANCELLED, now=n.now)
    await n.tx.cancel_timers(kind="understaffed", ref=event.id)
    for signup_id in await n.tx.withdraw_offers(event.id):  # nothing left to claim
        await n.tx.cancel_timers(kind="offer-expire", ref=signup_id)
    people = await n.tx.live_signup_people(event.id)
    because = f" Reason: {esc(reason)}" if reason else ""
    for person in people:
        tz = n.tz_of(person)
        when = (when_text(event, tz, n.now, home=n.config.campaign.tz) if all_day_zone(event, tz, n.config.campaign.tz)
                else format_when(event.starts_at, tz, now=n.now))
        await n.dm(person, Reply(f"{bold('Cancelled')}: {esc(event.title)} ({when}) will not take place.{because}"),
                   kind="event-cancelled", event_id=event.id)
    return len(people)
