"""Fan-out: a thousand reminder DMs go out through the Postman while volunteers keep typing.

The outbox holds 1,000 due reminder rows (real reminder payloads) for a fake platform whose every
send takes 5 ms; the Postman runs with a Throttle of 500 messages a second for that platform, so
the limit itself says the batch needs 2 s (the first token is free: 999 / 500 s). Meanwhile, an
open-loop stream of ``events`` and ``mine`` commands goes through the dispatcher, each answered
while the sends are in flight. Reference, measured in the same run: the same command stream on
the idle bot just before.
"""

from __future__ import annotations

import asyncio
import itertools
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.fixtures import open_core, say, volunteer
from bench.profiling import measured
from bench.report import Figure, Options, Result
from bench.seed import Shape, build
from bench.stats import ms, summary
from bot import eventloop
from bot.model import Outgoing, Reply, Target
from bot.reminders import reminder_reply
from tasks.postman import Postman
from tasks.ratelimit import Throttle

NAME = "fan-out"
PLATFORM = "fakechat"
RATE = 500.0
SEND_TIME = 0.005
SLACK = 0.10
#: A token bucket lets its burst through on top of the rate: allow 1% over 500 in any one second.
BURST_TOLERANCE = 0.01
MAX_INTERACTIVE_P99 = 0.100
#: One interactive command every this many seconds, issued on schedule whether or not the last one finished.
COMMAND_EVERY = 0.010
IDLE_WINDOW = 1.0
#: A regression must not hang the run: the flush is abandoned (and reported) past this.
DEADLINE = 60.0


class FakePlatform:
    """Answers every send after 5 ms, like a nearby platform API; records when each send began."""

    platform = PLATFORM

    def __init__(self) -> None:
        self.started: list[float] = []
        self.keys: set[str] = set()

    async def send(self, target: Target, reply: Reply, *, key: str) -> str | None:
        self.started.append(time.perf_counter())
        self.keys.add(key)
        await asyncio.sleep(SEND_TIME)
        return f"m{len(self.started)}"


def sizes(options: Options) -> int:
    return 200 if options.quick else 1_000


def busiest_second(instants: list[float]) -> int:
    """The most sends that began within any one-second window."""
    ordered = sorted(instants)
    best, left = 0, 0
    for right, at in enumerate(ordered):
        while at - ordered[left] >= 1.0:
            left += 1
        best = max(best, right - left + 1)
    return best


async def _queue_reminders(core: Any, count: int, people: int) -> None:
    now = datetime.now(UTC)
    async with core.store.snapshot() as tx:
        upcoming = await tx.upcoming_events(now, limit=20)
    tz = core.config.campaign.tz
    async with core.store.transaction() as tx:
        for n in range(count):
            event = upcoming[n % len(upcoming)]
            person = n % people + 1
            reply = reminder_reply(event, timedelta(hours=2), tz, home=tz, confirm=n % 2 == 0, channel=False)
            target = Target(PLATFORM, "dm", f"u{person}", "", f"Volunteer {person}")
            await tx.enqueue(Outgoing(target, reply, key=f"bench-reminder:{event.id}:{person}:{n}", person_id=person,
                                      due_at=now - timedelta(seconds=1)), kind="reminder", now=now, event_id=event.id)


async def _command_stream(dispatch: Any, people: int, stop: asyncio.Event, window: float | None
                          ) -> tuple[list[float], int]:
    """Issue ``events``/``mine`` every COMMAND_EVERY seconds until ``stop`` (or ``window`` elapses).

    Returns each command's latency and how many answered with an error.
    """
    latencies: list[float] = []
    errors = 0
    pending: set[asyncio.Task[None]] = set()
    names = itertools.cycle(("events", "mine"))
    who = itertools.cycle(range(1, people + 1))

    async def one(text: str, person: int) -> None:
        nonlocal errors
        issued = time.perf_counter()
        replies = await dispatch(say(volunteer(person), text))
        latencies.append(time.perf_counter() - issued)
        errors += any(r.is_error for r in replies)

    began = time.perf_counter()
    tick = 0
    while not stop.is_set() and (window is None or time.perf_counter() - began < window):
        task = asyncio.create_task(one(next(names), next(who)))
        pending.add(task)
        task.add_done_callback(pending.discard)
        tick += 1
        await asyncio.sleep(max(began + tick * COMMAND_EVERY - time.perf_counter(), 0))
    await asyncio.gather(*pending)
    return latencies, errors


async def _run(path: Path, count: int, people: int, options: Options) -> dict[str, Any]:
    async with open_core(path) as core:
        await _queue_reminders(core, count, people)
        for person in range(1, 11):  # warm up: first use of each code path and of the page cache
            await core.dispatcher.dispatch(say(volunteer(person), "events" if person % 2 else "mine"))
        idle, idle_errors = await _command_stream(core.dispatcher.dispatch, people, asyncio.Event(), IDLE_WINDOW)
        platform = FakePlatform()
        throttle = Throttle(per_platform={PLATFORM: RATE}, per_channel={})
        postman = Postman(store=core.store, clock=core.clock, transports=[platform], throttle=throttle,
                          concurrency=core.config.delivery.concurrency)
        stop = asyncio.Event()
        stream = asyncio.create_task(_command_stream(core.dispatcher.dispatch, people, stop, None))
        with measured(options, "fan-out") as cpu:
            started = time.perf_counter()
            try:
                sent = await asyncio.wait_for(postman.flush(), DEADLINE)
            except TimeoutError:
                sent = len(platform.started)
            elapsed = time.perf_counter() - started
        stop.set()
        busy, busy_errors = await stream
        async with core.store.snapshot() as tx:
            states = await tx.delivery_counts()
    return {"elapsed_s": elapsed, "sent": sent, "sends": len(platform.started), "distinct_keys": len(platform.keys),
            "states": states,
            "busiest_second": busiest_second(platform.started), "idle": idle, "busy": busy, "cpu": cpu.as_dict(),
            "concurrency": core.config.delivery.concurrency, "command_errors": idle_errors + busy_errors}


def run(options: Options) -> Result:
    count = sizes(options)
    people = 1_000
    with tempfile.TemporaryDirectory(prefix="turnout-bench-fanout-") as tmp:
        path = Path(tmp) / "fanout.db"
        build(path, Shape(people=people, events=60, signups=3_000, roster_size=100))
        out = eventloop.run(_run(path, count, people, options))
    allowed = (count - 1) / RATE
    elapsed = out["elapsed_s"]
    idle, busy = summary(out["idle"]), summary(out["busy"])
    within = allowed * (1 - SLACK) <= elapsed <= allowed * (1 + SLACK)
    complete = out["sent"] == count == out["distinct_keys"] and out["busiest_second"] <= RATE * (1 + BURST_TOLERANCE)
    figures = [
        Figure(f"{count:,} DMs at {RATE:g}/s", f"{allowed:.2f} s +-{SLACK:.0%}", elapsed, "s", f"{elapsed:.2f} s",
               within and complete, elapsed / allowed, f"{elapsed / allowed:.3f}x what the limit allows"),
        Figure("busiest second (sends begun)", f"<= {RATE * (1 + BURST_TOLERANCE):g}", out["busiest_second"], "",
               str(out["busiest_second"]), out["busiest_second"] <= RATE * (1 + BURST_TOLERANCE)),
        Figure("events/mine p99 during fan-out", f"< {MAX_INTERACTIVE_P99 * 1000:g} ms", busy["p99"], "s",
               ms(busy["p99"]), busy["p99"] < MAX_INTERACTIVE_P99 and not out["command_errors"],
               busy["p99"] / idle["p99"],
               f"{busy['p99'] / idle['p99']:.2f}x idle p99 ({ms(idle['p99'])})"),
    ]
    details = {
        "deliveries": count, "rate_per_s": RATE, "send_time_s": SEND_TIME, "allowed_s": allowed,
        "postman_concurrency": out["concurrency"], "sent": out["sent"], "sends": out["sends"],
        "distinct_keys": out["distinct_keys"],
        "states_after": out["states"], "busiest_second": out["busiest_second"],
        "command_every_s": COMMAND_EVERY, "command_errors": out["command_errors"],
        "interactive_idle_s": idle, "interactive_during_fanout_s": busy, "cpu": out["cpu"],
    }
    return Result(NAME, figures, details)
