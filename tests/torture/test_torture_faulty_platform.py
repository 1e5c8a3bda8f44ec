"""Torture (issue #7), faulty platform: 20% of sends fail, 5% time out before the request went
out (a definite failure), 5% time out after it arrived (uncertain), and 429s come in bursts.

With a fake clock the outbox is run until it settles. Nothing may be lost silently: every row
ends in a final state, each sent row reached the platform exactly once, each failed row never
did and used all its attempts, only rows recorded uncertain may have arrived without being
recorded sent, and no key reached the platform twice.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.model import Outgoing, Reply, Target
from tasks.postman import MAX_ATTEMPTS, TIMELY_KINDS
from tests.conftest import START, make_config
from tests.torture.torture_helpers import FINAL_STATES, Booted, FlakyTransport, KeyLog, seed

PEOPLE = [f"v{i:02d}" for i in range(60)]
NOTICES = 250


async def test_every_delivery_settles_once_on_a_faulty_platform(tmp_path: Path) -> None:
    rng = random.Random(seed())
    clock = FakeClock(START)
    log = KeyLog()
    transport = FlakyTransport(log, clock, seed())
    config = make_config()
    bot = await Booted.boot(config, tmp_path / "faulty.db", clock, transport)
    try:
        for channel in ("reminders", "announcements", "organizers"):
            await bot.ask("olivia", f"channel link {channel}", organizer=True, channel=channel)
        for text in ('event add Canvass when:"Nov 30 10am" spots:8',
                     'event add Council meeting when:"Dec 1 7pm" roles:"speaker=4,attendee=20"',
                     'event add Tabling when:"Dec 2 5pm" spots:5 remind:"1d,3h,1h,10m"'):
            [reply] = await bot.ask("olivia", text, organizer=True)
            assert not reply.is_error, reply.text
        for _ in range(200):
            person, event = rng.choice(PEOPLE), rng.randint(1, 3)
            if rng.random() < 0.25:
                await bot.ask(person, f"cancel {event}")
            else:
                await bot.ask(person, f"signup {event}" + (f" {rng.choice(('speaker', 'attendee'))}"
                                                           if event == 2 else ""))
            if rng.random() < 0.05:
                await bot.ask("olivia", f"announce Pack the chambers, update {rng.randrange(1000)}", organizer=True)
            clock.advance(minutes=rng.randint(0, 20))
        async with bot.core.store.transaction() as tx:  # a pile of plain notices, due over a day
            for i in range(NOTICES):
                due = clock.now() + timedelta(seconds=rng.randint(0, 86400))
                out = Outgoing(Target("test", "dm", f"u{i % 40}", label=f"u{i % 40}"), Reply(f"Notice {i}"),
                               key=f"notice:{i}", due_at=due)
                assert await tx.enqueue(out, kind="notice", now=clock.now())
        await bot.run_until(clock, START + timedelta(days=8))
        rows = await bot.rows()
    finally:
        await bot.stop()

    sends = log.counts()
    states = Counter(str(r["state"]) for r in rows)
    context = f"seed {seed()}, rows by state {dict(states)}, platform said {dict(transport.outcomes)}"
    twice = {k: n for k, n in sends.items() if n > 1}
    assert not twice, f"{context}: keys that reached the platform twice: {twice}"
    for r in rows:
        key, state, attempts = str(r["key"]), str(r["state"]), int(r["attempts"])  # type: ignore[call-overload]
        what = f"{context}: row {r}"
        assert state in FINAL_STATES, f"{what} did not settle"
        counted = transport.attempts[key] - transport.rate_limited[key]  # a 429 asks to wait and costs no attempt
        assert counted == attempts, f"{what}: the platform saw {transport.attempts[key]} tries"
        assert attempts <= MAX_ATTEMPTS, what
        if state == "sent":
            assert sends[key] == 1, what
        elif state == "uncertain":
            assert sends[key] == 1, f"{what}: uncertain only arises here from a timeout after arrival"
        else:
            assert sends[key] == 0, what
        if state == "failed":
            assert attempts == MAX_ATTEMPTS, f"{what} failed before using its {MAX_ATTEMPTS} attempts"
        if state == "skipped":
            assert r["kind"] in TIMELY_KINDS, what
    assert len(rows) > NOTICES + 100, context
    for outcome in ("ok", "5xx", "timeout-lost", "timeout-arrived", "429"):
        assert transport.outcomes[outcome] > 0, f"{context}: the platform never answered {outcome}"
    assert states["sent"] and states["failed"] and states["uncertain"], context
    failed_by = Counter(str(r["last_error"]) for r in rows if r["state"] == "failed")
    print(context, "last error of failed rows:", dict(failed_by))
