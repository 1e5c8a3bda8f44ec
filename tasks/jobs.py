"""What each timer does when it comes due.

``JOBS`` run inside one transaction through a Notifier. ``FETCH_JOBS`` talk to the outside world
(petition sources, calendars): they get a ``JobEnv`` and open their own transactions after fetching.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta

from bot.markup import bold, esc
from bot.model import Reply
from bot.notify import Notifier
from bot.reminders import plan_event, understaffed_key
from bot.series import extend_all
from bot.store.timers import Timer
from bot.timeparse import iso_utc, localize
from bot.views import event_line, spots_text
from bot.waitlist import expire_offer
from tasks.calendar_jobs import FETCH_JOBS as CALENDAR_JOBS
from tasks.jobenv import FetchJob
from tasks.petition_jobs import FETCH_JOBS as PETITION_JOBS
from tasks.petition_jobs import JOBS as PETITION_TX_JOBS
from tasks.petition_jobs import ensure_daily

Job = Callable[[Notifier, Timer], Awaitable[None]]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


async def offer_expired(n: Notifier, timer: Timer) -> None:
    assert timer.ref is not None
    await expire_offer(n, timer.ref)


async def understaffed(n: Notifier, timer: Timer) -> None:
    """A few days out, name the roles that still need people: organizers first, then volunteers."""
    assert timer.ref is not None
    event = await n.tx.event(timer.ref)
    if event is None or event.is_cancelled or event.starts_at <= n.now or timer.key != understaffed_key(event):
        return  # gone, or moved since this check was set (its new time has a check of its own)
    gaps = [r for r in event.roles if r.open_spots]
    if not gaps:
        return
    tz = n.config.campaign.tz
    needs = "open spots (" + ", ".join(f"{esc(r.name)}: {r.open_spots}" for r in gaps) + ")"
    await n.to_channels("organizers", Reply(
        f"{bold('Short-staffed')}: {event_line(event, tz, n.now)} still has {needs}.", visibility="channel"
    ), kind="understaffed", key=f"understaffed:{timer.key}:org", event_id=event.id)
    await n.to_channels("reminders", Reply(
        f"{bold('Help needed')}: {esc(event.title)} (#{event.id}) still has {needs}. "
        f"Type `event {event.id}` to sign up.", visibility="channel",
    ), kind="understaffed", key=f"understaffed:{timer.key}:help", event_id=event.id)


async def extend_series(n: Notifier, timer: Timer) -> None:
    await extend_all(n)
    await n.tx.set_timer(f"series-extend:{iso_utc(n.now + timedelta(days=1))[:10]}", "series-extend", None,
                         n.now + timedelta(days=1), n.now)


def next_digest_at(n: Notifier, after: datetime) -> datetime:
    tz = n.config.campaign.tz
    at = time.fromisoformat(n.config.digest.time)
    local = after.astimezone(tz).date()
    ahead = (WEEKDAYS.index(n.config.digest.day) - local.weekday()) % 7
    candidate = localize(local + timedelta(days=ahead), at, tz)
    return candidate if candidate > after else localize(local + timedelta(days=ahead + 7), at, tz)


async def digest(n: Notifier, timer: Timer) -> None:
    """The weekly digest: what's on in the next 7 days, and where help is needed."""
    tz = n.config.campaign.tz
    week = [e for e in await n.tx.upcoming_events(n.now, limit=50) if e.starts_at <= n.now + timedelta(days=7)]
    lines = [bold(f"This week: {esc(n.config.campaign.name)}")]
    if not week:
        lines.append("No events in the next 7 days.")
    for event in week:
        lines.append(f"- {event_line(event, tz, n.now)}")
    needy = [(e, r) for e in week for r in e.roles if r.open_spots]
    if needy:
        lines.append(bold("Help needed"))
        lines += [f"- #{e.id} {esc(e.title)}: {esc(r.name)} {spots_text(r)}" for e, r in needy]
    petitions = await n.tx.petitions()
    for petition in petitions:
        lines.append(f"Petition {esc(petition.name)}: {petition.total:,} of {petition.goal:,}.")
    if not n.config.digest.enabled:  # switched off since it was planned: no digest, and none after it
        return
    await n.to_channels("announcements", Reply("\n".join(lines), visibility="channel"), kind="digest",
                        key=f"digest:{timer.key}")
    following = next_digest_at(n, n.now)
    await n.tx.set_timer(f"digest:{iso_utc(following)}", "digest", None, following, n.now)


JOBS: dict[str, Job] = {
    "offer-expire": offer_expired,
    "understaffed": understaffed,
    "series-extend": extend_series,
    "digest": digest,
    **PETITION_TX_JOBS,
}
FETCH_JOBS: dict[str, FetchJob] = {**PETITION_JOBS, **CALENDAR_JOBS}


#: Where the campaign's zone of the last start-up is kept (``meta``).
ZONE_KEY = "campaign_tz"
#: Events re-planned per read when the campaign's zone changed.
_REPLAN_PAGE = 500


async def follow_campaign_zone(n: Notifier) -> int:
    """When the campaign's zone setting changed since the last start, re-plan every coming event's
    reminders: their text shows times in the new zone. Their instants stay (an event is at the moment
    it was set for), so nothing already sent goes again. Series keep the zone they were made in.
    Returns how many events were re-planned."""
    current = n.config.campaign.timezone
    before = await n.tx.get_meta(ZONE_KEY)
    if before == current:
        return 0
    await n.tx.set_meta(ZONE_KEY, current)
    if before is None:  # the first start that keeps it (a new campaign, or one made before): nothing changed
        await n.tx.give_series_a_zone(current)  # series made before series kept their zone
        return 0
    replanned = 0
    while page := await n.tx.upcoming_events(n.now, limit=_REPLAN_PAGE, offset=replanned):
        for event in page:
            await plan_event(n, event)
        replanned += len(page)
    return replanned


async def ensure_periodic(n: Notifier) -> None:
    """The recurring timers exist once the bot has started once (idempotent by key)."""
    await follow_campaign_zone(n)
    today: date = n.now.astimezone(n.config.campaign.tz).date()
    await n.tx.set_timer(f"series-extend:{today.isoformat()}", "series-extend", None, n.now, n.now)
    await ensure_daily(n)
    # A digest planned under another day or time (or before it was switched off) goes: one a week. One
    # already due (the bot was down at the time) still runs, late or recorded as skipped by the rules.
    first = next_digest_at(n, n.now)
    key = f"digest:{iso_utc(first)}" if n.config.digest.enabled else ""
    await n.tx.cancel_timers(kind="digest", ref=None, keep=key, after=n.now)
    if n.config.digest.enabled:
        await n.tx.set_timer(key, "digest", None, first, n.now)
