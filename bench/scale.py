"""Scale: the everyday commands against a campaign with a long history.

A database of 100,000 volunteers, 10,000 events and 1,000,000 sign-ups is generated straight into a
file migrated by ``Store.open`` (see ``bench.seed``), then the core is opened on it as the bot would
open it and each command is run many times, one after another, through ``Dispatcher.dispatch``.
The people asking exist already (as they would), so no command writes.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.fixtures import open_core, organizer, say, volunteer
from bench.profiling import measured
from bench.report import Figure, Options, Result
from bench.seed import Seeded, Shape, build
from bench.stats import ms, summary
from bot import eventloop
from bot.model import Invocation

NAME = "scale"
MAX_COMMAND = 0.010
MAX_ROSTER = 0.100
MAX_BUILD = 60.0
WARMUP = 10
#: Sampling of one command stops early past this many seconds (a regression must not hang the run).
BUDGET = 30.0


def shape(options: Options) -> Shape:
    if options.quick:
        return Shape(people=10_000, events=1_000, signups=100_000)
    return Shape(people=100_000, events=10_000, signups=1_000_000)


def samples(options: Options) -> tuple[int, int]:
    """Runs per everyday command, runs of the roster."""
    return (100, 30) if options.quick else (400, 200)


async def _measure(path: Path, seeded: Seeded, options: Options) -> dict[str, Any]:
    rng = random.Random(11)
    runs, roster_runs = samples(options)
    people = seeded.shape.people
    events = seeded.shape.events
    # Each run asks as a random existing volunteer (and about a random event), so no one answer is cached.
    commands: dict[str, Callable[[], Invocation]] = {
        "events": lambda: say(volunteer(rng.randint(1, people)), "events"),
        "event <id>": lambda: say(volunteer(rng.randint(1, people)), f"event {rng.randint(1, events)}"),
        "mine": lambda: say(volunteer(rng.randint(1, people)), "mine"),
        "roster (1,000 people)": lambda: say(organizer(), f"roster {seeded.roster_event_id}"),
    }
    out: dict[str, Any] = {}
    async with open_core(path) as core:
        dispatch = core.dispatcher.dispatch
        for name, make in commands.items():
            count = roster_runs if name.startswith("roster") else runs
            for _ in range(WARMUP):
                await dispatch(make())
            latencies = []
            errors = 0
            last = ""
            with measured(options, f"{NAME}-{name.split()[0]}") as cpu:
                deadline = time.perf_counter() + BUDGET
                for _ in range(count):
                    if time.perf_counter() > deadline:
                        break
                    invocation = make()
                    started = time.perf_counter()
                    replies = await dispatch(invocation)
                    latencies.append(time.perf_counter() - started)
                    errors += sum(r.is_error for r in replies)
                    last = replies[0].text
            out[name] = {"latency_s": summary(latencies), "errors": errors, "cpu": cpu.as_dict(),
                         "sample_reply": last[:300]}
        async with core.store.snapshot() as tx:
            out["roster_rows"] = len(await tx.event_signups(seeded.roster_event_id))
    return out


def run(options: Options) -> Result:
    wanted = shape(options)
    with tempfile.TemporaryDirectory(prefix="turnout-bench-scale-") as tmp:
        path = Path(tmp) / "campaign.db"
        started = time.perf_counter()
        seeded = build(path, wanted)
        built = time.perf_counter() - started
        size_mb = path.stat().st_size / 1e6
        results = eventloop.run(_measure(path, seeded, options))
    figures = [
        Figure(f"generate {wanted.people:,}/{wanted.events:,}/{wanted.signups:,}", f"< {MAX_BUILD:g} s", built,
               "s", f"{built:.1f} s", built < MAX_BUILD, built / MAX_BUILD, f"{built / MAX_BUILD:.2f}x the limit"),
    ]
    for name in ("events", "event <id>", "mine", "roster (1,000 people)"):
        limit = MAX_ROSTER if name.startswith("roster") else MAX_COMMAND
        lat = results[name]["latency_s"]
        ok = lat["p99"] < limit and results[name]["errors"] == 0
        figures.append(Figure(f"{name} p99", f"< {limit * 1000:g} ms", lat["p99"], "s", ms(lat["p99"]), ok,
                              lat["p99"] / limit, f"{lat['p99'] / limit:.2f}x the limit (p50 {ms(lat['p50'])})"))
    details = {
        "shape": {"people": wanted.people, "events": wanted.events, "signups": wanted.signups,
                  "upcoming_events": seeded.upcoming_events, "roster_event_id": seeded.roster_event_id,
                  "roster_rows_read": results.pop("roster_rows")},
        "build_s": built, "db_mb": size_mb, "commands": results,
    }
    return Result(NAME, figures, details)
