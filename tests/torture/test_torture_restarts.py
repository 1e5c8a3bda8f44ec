"""Torture (issue #7), restart storm: thirty days of a campaign on a fake clock, with the bot
restarted at a hundred random moments, some of them mid-send and some after downtime.

A restart closes the Core and opens a new Core, Postman and Runner on the same SQLite file, then
calls ``runner.start()``. Between restarts the clock moves like a punctual alarm clock (stopping at
every due time), except for jumps: downtime, or a process that was suspended. At the end every
reminder row was sent exactly once, or skipped (only when it came due in a jump that ended more
than ``max_lateness`` after it was due, or past the moment it would mislead: ``expires_at``), or is
uncertain (only the rows the "crash" left in ``sending``), or was cancelled; no key reached the
platform twice; nothing is left pending in the past.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

from bot.clock import FakeClock
from tests.conftest import START, make_config
from tests.torture.torture_helpers import Booted, KeyLog, LoggingTransport, seed

DAYS = 30
STEPS = 360
RESTARTS = 100
PEOPLE = [f"v{i:02d}" for i in range(40)]
ORGANIZER = "olivia"
SETUP = (
    ("reminders", "channel link reminders"),
    ("organizers", "channel link organizers"),
    ("announcements", "channel link announcements"),
    ("petition", "channel link petition"),
    ("general", 'event add Council meeting when:"Dec 7 7pm" where:"101 City Hall Plaza" '
                'roles:"speaker=3,attendee=8" repeat:"1st,3rd mon"'),
    ("general", 'event add Canvass when:"Nov 28 10am" duration:3h spots:4 repeat:weekly'),
    ("general", 'event add Tabling when:"Dec 10 5pm" spots:2 remind:"3d,1d,1h"'),
    ("general", "petition add resolution goal:1000"),
    ("general", "petition set resolution 736"),
)


class Storm:
    def __init__(self, rng: random.Random, db: Path) -> None:
        self.rng = rng
        self.db = db
        self.config = make_config()
        self.clock = FakeClock(START)
        self.log = KeyLog()
        self.transport = LoggingTransport(self.log)
        #: (from, to): stretches the clock jumped over without the bot running its alarm.
        self.jumps: list[tuple[datetime, datetime]] = []
        #: Keys of rows a crash left in ``sending``.
        self.interrupted: set[str] = set()
        self.restarts = 0
        self.petition = 736
        self.bot: Booted | None = None

    async def boot(self) -> Booted:
        self.bot = await Booted.boot(self.config, self.db, self.clock, self.transport)
        return self.bot

    async def crash(self) -> None:
        assert self.bot is not None
        await self.bot.stop()
        self.bot = None

    def jump(self, to: datetime) -> None:
        if to > self.clock.now():
            self.jumps.append((self.clock.now(), to))
            self.clock.set(to)

    async def restart(self, until: datetime) -> str:
        assert self.bot is not None
        mode = self.rng.choice(("clean", "downtime", "outage", "mid-send", "mid-send"))
        if mode == "clean":
            await self.bot.run_until(self.clock, until)
        elif mode in ("outage", "mid-send"):
            if await self._die_at_next_delivery(until, claim=mode == "mid-send"):
                # Down for a while: sometimes back within max_lateness, sometimes well after.
                until = max(until, self.clock.now() + timedelta(minutes=self.rng.choice((0, 20, 50, 90, 240))))
            else:
                mode = "clean"
        await self.crash()
        self.jump(until)  # the process is down until ``until`` (no jump for a clean restart)
        await self.boot()
        self.restarts += 1
        return mode

    async def _die_at_next_delivery(self, until: datetime, *, claim: bool) -> bool:
        """Run punctually to the next due delivery and die there, having claimed (``claim``) one or
        two of its rows but not recorded the outcome. False if nothing comes due soon."""
        bot = self.bot
        assert bot is not None
        while True:
            async with bot.core.store.snapshot() as tx:
                due = await tx.next_due({"test"})
                timer = await tx.next_timer()
            if due is None or due > until + timedelta(days=1):  # the crash may come a little later
                await bot.run_until(self.clock, until)
                return False
            if timer is not None and timer < due:
                self.clock.set(max(timer, self.clock.now()))
                await bot.runner.tick()
                continue
            self.clock.set(max(due, self.clock.now()))
            break
        if not claim:
            return True
        now = self.clock.now()
        async with bot.core.store.snapshot() as tx:
            ready = await tx.due_deliveries(now, {"test"})
        for row in self.rng.sample(ready, min(len(ready), self.rng.randint(1, 2))):
            async with bot.core.store.transaction() as tx:
                assert await tx.claim(row.id, now)
            self.interrupted.add(row.key)
            if self.rng.random() < 0.5:
                self.log.keys.append(row.key)  # the platform got it before the process died
        return True

    async def advance(self, until: datetime) -> None:
        assert self.bot is not None
        if self.rng.random() < 0.1:  # suspended (a laptop lid, a stopped container): no alarm
            self.jump(until)
            await self.bot.runner.tick()
        else:
            await self.bot.run_until(self.clock, until)

    async def act(self) -> None:
        bot = self.bot
        assert bot is not None
        rng = self.rng
        person = rng.choice(PEOPLE)
        async with bot.core.store.snapshot() as tx:
            events = await tx.upcoming_events(self.clock.now(), limit=20)
        roll = rng.random()
        if events and roll < 0.6:
            event = rng.choice(events)
            role = f" {rng.choice(event.roles).name}" if len(event.roles) > 1 else ""
            await self.say(person, f"signup {event.id}{role}")
        elif events and roll < 0.85:
            await self.say(person, f"cancel {rng.choice(events).id}")
        elif roll < 0.9:
            await self.say(person, f"reminders {rng.choice(('on', 'on', 'off'))}")
        elif roll < 0.94:
            self.petition += rng.randint(1, 40)
            await self.say(ORGANIZER, f"petition set resolution {self.petition}", organizer=True)
        elif roll < 0.97:
            at = rng.choice(("tomorrow 9am", "sat 10am"))
            await self.say(ORGANIZER, f"announce Door knocking this weekend at:{at}", organizer=True)
        else:
            await self.say(person, f"tz {rng.choice(('Europe/Berlin', 'America/Los_Angeles', 'America/New_York'))}")

    async def say(self, name: str, text: str, *, organizer: bool = False, channel: str = "general") -> None:
        assert self.bot is not None
        replies = await self.bot.ask(name, text, organizer=organizer, channel=channel)
        for reply in replies:
            assert "went wrong on my side" not in reply.text, f"seed {seed()}: `{text}` -> {reply.text}"


async def test_a_hundred_restarts_in_thirty_days_send_each_reminder_once(tmp_path: Path) -> None:
    rng = random.Random(seed())
    storm = Storm(rng, tmp_path / "storm.db")
    end = START + timedelta(days=DAYS)
    await storm.boot()
    try:
        for channel, text in SETUP:
            await storm.say(ORGANIZER, text, organizer=True, channel=channel)
        moments = sorted(START + timedelta(seconds=rng.uniform(60, DAYS * 86400 - 60)) for _ in range(STEPS))
        restart_at = set(rng.sample(range(STEPS), RESTARTS))
        modes: dict[str, int] = {}
        for i, moment in enumerate(moments):
            moment = max(moment, storm.clock.now())
            if i in restart_at:
                mode = await storm.restart(moment)
                modes[mode] = modes.get(mode, 0) + 1
            else:
                await storm.advance(moment)
            await storm.act()
        assert storm.bot is not None
        await storm.bot.run_until(storm.clock, end)
        rows = await storm.bot.rows()
    finally:
        if storm.bot is not None:
            await storm.crash()

    context = f"seed {seed()}, restarts {modes}"
    assert storm.restarts == RESTARTS, context
    sends = storm.log.counts()
    twice = {k: n for k, n in sends.items() if n > 1}
    assert not twice, f"{context}: sent more than once: {twice}"
    by_key = {r["key"]: r for r in rows}
    assert set(sends) <= set(by_key), f"{context}: the platform got keys with no row: {set(sends) - set(by_key)}"
    late = storm.config.campaign.max_lateness
    tally: dict[str, int] = {}
    for r in rows:
        key, state = str(r["key"]), str(r["state"])
        due = datetime.fromisoformat(str(r["due_at"]).replace("Z", "+00:00"))
        tally[f"{r['kind']}:{state}"] = tally.get(f"{r['kind']}:{state}", 0) + 1
        what = f"{context}: row {r}"
        assert state not in ("sending", "failed"), what
        if state == "pending":
            assert due > storm.clock.now(), f"{what} is still pending in the past"
        if state == "sent":
            assert sends[key] == 1, f"{what} was sent {sends[key]} times"
        elif state == "uncertain":
            assert key in storm.interrupted, f"{what} is uncertain but was never left mid-send"
        else:
            assert sends[key] == 0, f"{what} reached the platform"
        if state == "skipped":
            expires = datetime.fromisoformat(str(r["expires_at"]).replace("Z", "+00:00")) if r["expires_at"] else None
            assert any(start <= due and (stop - due > late or (expires is not None and stop >= expires))
                       for start, stop in storm.jumps), (
                f"{what} was skipped but did not come due in a jump past its lateness ({late}) or expiry")
        if key in storm.interrupted:
            assert state == "uncertain", f"{what} was left mid-send and must end uncertain"
    # The storm must have exercised each path it checks.
    assert tally.get("reminder:sent", 0) + tally.get("confirm:sent", 0) > 15, f"{context}: too few sent: {tally}"
    assert tally.get("reminder:skipped", 0) + tally.get("confirm:skipped", 0) > 0, (
        f"{context}: no downtime was long enough to skip anything: {tally}")
    assert len(storm.interrupted) >= 10, f"{context}: too few crashes mid-send: {tally}"
    print(context, sorted(tally.items()))
