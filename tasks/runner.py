"""Runs what is due: timers first (they may queue messages), then the outbox; then sets the alarm.

Start-up turns rows left mid-send into ``uncertain`` (never re-sent blindly) and tells organizers.
Tests call ``tick()`` after moving a fake clock; the product lets an ``AlarmClock`` call it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Protocol

from bot.clock import Clock
from bot.config import Config
from bot.gateway import Sources
from bot.markup import bold, esc
from bot.model import Reply
from bot.notify import Notifier
from bot.store import Store
from bot.store.timers import Timer
from tasks.jobenv import JobEnv
from tasks.jobs import FETCH_JOBS, JOBS, ensure_periodic
from tasks.postman import Postman

log = logging.getLogger(__name__)


class Alarm(Protocol):
    def wake_at(self, instant: datetime | None) -> None: ...


class Runner:
    def __init__(self, *, store: Store, clock: Clock, config: Config, postman: Postman,
                 alarm: Alarm | None = None, sources: Sources | None = None) -> None:
        self.store = store
        self.clock = clock
        self.config = config
        self.postman = postman
        self.alarm = alarm
        self._lock = asyncio.Lock()
        self._kicks: set[asyncio.Task[None]] = set()
        self._kick_waiting = False
        self.env = JobEnv(store=store, config=config, clock=clock, sources=sources)
        self.env.on_queued = self.kick

    async def start(self) -> None:
        now = self.clock.now()
        async with self.store.transaction() as tx:
            interrupted = await tx.mark_interrupted_uncertain(now)
            notifier = Notifier(tx, now, self.config)
            if interrupted:
                lines = [f"{bold('Check these messages')}: I was stopped while sending them, so I can't tell "
                         "whether they arrived. I won't send them again."]
                # A stored post outlives the people it would name (forget-me): DMs stay anonymous here,
                # and `deliveries uncertain` names their readers for as long as they are stored.
                lines += [f"- #{d.id} {d.kind}, " + (f"a DM on {d.platform}" if d.target_kind == "dm" else
                                                     f"to #{esc(d.label or d.address)} on {d.platform}")
                          for d in interrupted]
                lines.append("`deliveries uncertain` shows who the DMs were for.")
                await notifier.to_channels("organizers", Reply("\n".join(lines), visibility="channel"),
                                           kind="uncertain-report")
                log.warning("%d deliveries were interrupted mid-send and are marked uncertain", len(interrupted))
            await ensure_periodic(notifier)
        await self.tick()

    def kick(self) -> None:
        """Something was queued: run a tick soon (safe to call from sync code in the loop).

        Kicks coalesce: while one is waiting for its tick to start, more add nothing, so a burst of
        sign-ups costs a few ticks, not one each. A tick that starts after a kick sees what it was for.
        """
        if self._kick_waiting:
            return
        self._kick_waiting = True
        self._track(asyncio.get_running_loop().create_task(self._kicked()))

    async def _kicked(self) -> None:
        try:
            await self._lock.acquire()
        finally:  # its tick starts now, or never (cancelled while waiting): later kicks need a new one
            self._kick_waiting = False
        try:
            await self._tick()
        finally:
            self._lock.release()

    def _track(self, task: asyncio.Task[None]) -> None:
        self._kicks.add(task)
        task.add_done_callback(self._kicks.discard)

    async def _fetch(self, timer: Timer) -> None:
        try:
            await FETCH_JOBS[timer.kind](self.env, timer)
        except Exception:
            log.exception("timer %s (%s) failed", timer.id, timer.kind)

    async def settle(self) -> None:
        """Wait until background fetches and the ticks they started are done (tests, shutdown)."""
        while self._kicks:
            await asyncio.gather(*list(self._kicks), return_exceptions=True)

    async def tick(self) -> None:
        async with self._lock:
            await self._tick()

    async def _tick(self) -> None:
        await self._run_timers()
        await self.postman.flush()
        await self._arm()

    async def _run_timers(self) -> None:
        while True:
            now = self.clock.now()
            async with self.store.snapshot() as tx:
                due = await tx.due_timers(now)
            if not due:
                return
            for timer in due:
                if timer.kind in FETCH_JOBS:
                    async with self.store.transaction() as tx:
                        if not await tx.finish_timer(timer.id):
                            continue
                    # Fetching can take seconds: it runs beside the ticks, and wakes the postman when done.
                    self._track(asyncio.get_running_loop().create_task(self._fetch(timer)))
                    continue
                job = JOBS.get(timer.kind)
                try:
                    async with self.store.transaction() as tx:
                        if not await tx.finish_timer(timer.id):
                            continue
                        if job is not None:
                            await job(Notifier(tx, now, self.config), timer)
                except Exception:
                    log.exception("timer %s (%s) failed; it will not run again", timer.id, timer.kind)
                    async with self.store.transaction() as tx:
                        await tx.finish_timer(timer.id)

    async def _arm(self) -> None:
        if self.alarm is None:
            return
        async with self.store.snapshot() as tx:
            candidates = [await tx.next_due(set(self.postman.transports)), await tx.next_timer()]
        upcoming = [c for c in candidates if c is not None]
        self.alarm.wake_at(min(upcoming) if upcoming else None)

    async def close(self, *, grace: float = 10.0) -> None:
        """Let a tick in progress finish, so a message in hand is recorded as sent, not left mid-send."""
        try:
            async with asyncio.timeout(grace):
                await self.settle()
                async with self._lock:
                    pass
        except TimeoutError:
            log.warning("stopped while sending; unfinished messages will be marked uncertain at the next start")
            for task in list(self._kicks):
                task.cancel()
