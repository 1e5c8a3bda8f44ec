"""The alarm clock: the only module that imports APScheduler.

APScheduler 3.x runs in memory, in UTC, and holds no state worth keeping: the database holds
every delivery and timer, and at start-up the alarm is simply set for the next one due. Jobs carry
nothing but a callback; a missed wake-up is harmless because each tick looks at what is due.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

WAKE_JOB = "turnout-wake"
POLL_JOB = "turnout-poll"


class AlarmClock:
    """Rings ``ring`` (a plain function, called on the event loop) at the instant set, and every minute.

    The job itself only rings and returns; the work runs elsewhere (the runner's tick). A job that
    stayed running for the whole tick would make APScheduler drop the next alarm set during that
    tick ("maximum number of running instances reached"), so a message falling due meanwhile
    would wait for the minute poll.
    """

    def __init__(self, ring: Callable[[], None], *, poll_every: timedelta = timedelta(minutes=1)) -> None:
        self._ring = ring
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
        self._poll_every = poll_every

    def start(self) -> None:
        self._scheduler.start()
        # A safety net: rows written by another process (the CLI) are noticed within a minute.
        self._scheduler.add_job(self._rung, "interval", seconds=self._poll_every.total_seconds(), id=POLL_JOB,
                                replace_existing=True)

    async def _rung(self) -> None:
        # A coroutine, so APScheduler's asyncio executor calls it on the loop (a plain function would go
        # to a worker thread).
        self._ring()

    def wake_at(self, instant: datetime | None) -> None:
        """Run the callback at ``instant`` (at once if it has passed); None clears the alarm."""
        if instant is None:
            if self._scheduler.get_job(WAKE_JOB):
                self._scheduler.remove_job(WAKE_JOB)
            return
        self._scheduler.add_job(self._rung, "date", run_date=instant.astimezone(UTC), id=WAKE_JOB,
                                replace_existing=True)

    def pause(self) -> None:
        """No new wake-ups; a tick already running goes on (stop with ``pause``, then wait, then ``shutdown``)."""
        if self._scheduler.running:
            self._scheduler.pause()

    def shutdown(self) -> None:
        """Stop for good (wait for the runner's tick first: it is not APScheduler's to cancel)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
