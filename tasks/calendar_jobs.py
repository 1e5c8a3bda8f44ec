"""Calendar imports on a schedule: fetch a calendar's meetings, then apply them in one transaction.

Fetching (network, and parsing in a worker thread) happens outside any transaction so a slow feed
never holds the database's write lock; :func:`bot.meetings.apply_meetings` decides what changes.
The same :func:`sync_calendar` serves the hourly ``calendar-sync`` timer and the organizers'
``calendar add`` / ``calendar sync`` commands, so both count failures and back off alike.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.config import Config
from bot.errors import TurnoutError
from bot.meetings import (
    SYNC_TIMER,
    CalendarSpec,
    record_failure,
    sync_calendar,
)
from bot.store.timers import Timer
from tasks.jobenv import FetchJob, JobEnv
from tasks.sources import Meeting, SourceError, fetch_legistar, fetch_url, parse_ics
from tasks.sources.fetch import host_label
from tasks.sources.legistar import LEGISTAR_API

if TYPE_CHECKING:
    import aiohttp

log = logging.getLogger(__name__)

FETCH_TIMEOUT = 30.0
#: A council's feed is a few hundred KB; anything this big is not a meeting calendar.
MAX_FEED_BYTES = 8 * 1024 * 1024
#: Meetings that started up to this long ago are fetched too, so a meeting running now is not "gone".
LOOK_BACK = timedelta(days=1)

def sync_window(now: datetime, config: Config) -> tuple[datetime, datetime]:
    """What a sync reads: from a day ago to as far ahead as recurring events are created."""
    return now - LOOK_BACK, now + config.campaign.recurrence_window


async def fetch_meetings(
    spec: CalendarSpec, *, session: aiohttp.ClientSession, now: datetime, config: Config,
    legistar_api: str = LEGISTAR_API,
) -> tuple[list[Meeting], datetime]:
    """The meetings of ``spec`` in the sync window, and the window's end; a SourceError people can read."""
    start, end = sync_window(now, config)
    tz = config.campaign.tz
    if spec.kind == "ics":
        label = f"The feed at {host_label(spec.url)}"
        data = await fetch_url(spec.url, session=session, timeout=FETCH_TIMEOUT, max_bytes=MAX_FEED_BYTES,
                               headers={"Accept": "text/calendar, */*;q=0.5"}, label=label)
        meetings = await asyncio.to_thread(parse_ics, data, name=label, window_start=start, window_end=end,
                                           default_tz=tz)
        return meetings, end
    if spec.kind == "legistar":
        meetings = await fetch_legistar(spec.client, body=spec.body or None, session=session,
                                        since=start.astimezone(tz).date(), tz=tz, base_url=legistar_api,
                                        timeout=FETCH_TIMEOUT, max_bytes=MAX_FEED_BYTES)
        return [m for m in meetings if m.start < end], end
    raise SourceError(f"This calendar was imported from the file {spec.filename}; run `turnout import-ics` "
                      "again to update it.")


async def sync_job(env: JobEnv, timer: Timer) -> None:
    """The ``calendar-sync`` timer: import one calendar; failures are counted, reported and backed off."""
    assert timer.ref is not None
    async with env.store.snapshot() as tx:
        calendar = await tx.calendar(timer.ref)
    if calendar is None:
        return  # removed since the timer was set
    try:
        if env.sources is None:
            return
        await sync_calendar(calendar, sources=env.sources, config=env.config, now=env.clock.now(),
                            begin=env.notifier)
    except TurnoutError as exc:
        log.info("calendar %s (#%s) not synced: %s", calendar.name, calendar.id, exc)
    except Exception:
        # A bug, not the source: keep the calendar on its schedule (with back-off) rather than stop it.
        log.exception("calendar %s (#%s) sync failed", calendar.name, calendar.id)
        async with env.notifier() as n:
            current = await n.tx.calendar(calendar.id)
            if current is not None:
                await record_failure(n, current, "an internal error (see the bot's log)")


FETCH_JOBS: dict[str, FetchJob] = {SYNC_TIMER: sync_job}
