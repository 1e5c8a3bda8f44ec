"""``python -m bench``: run the benchmarks, print one table, optionally write the same figures as JSON.

    python -m bench                      every benchmark, full sizes (a few minutes)
    python -m bench --quick              smaller sizes and a 10 s idle window: a smoke test (under a minute)
    python -m bench --only burst         one benchmark (burst, fan-out, scale, footprint, start-up)
    python -m bench --json out.json      also write the figures, the machine and the details as JSON
    python -m bench --profile DIR        also write a cProfile (.prof and .txt) of each measured section
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench import burst, fanout, footprint, scale, startup
from bench.background import mark, other_cores
from bench.machine import describe, machine_info
from bench.report import Options, Result, failed, table, to_json

BENCHMARKS: dict[str, Callable[[Options], Result]] = {
    burst.NAME: burst.run,
    fanout.NAME: fanout.run,
    scale.NAME: scale.run,
    footprint.NAME: footprint.run,
    startup.NAME: startup.run,
}


def _key(name: str) -> str:
    return name.replace("-", "").replace("_", "").lower()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Turnout's benchmarks (issue #7).")
    parser.add_argument("--only", metavar="NAME", action="append",
                        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    parser.add_argument("--json", metavar="PATH", type=Path, help="also write the figures as JSON")
    parser.add_argument("--profile", metavar="DIR", type=Path, help="write a cProfile of each measured section")
    return parser


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text(encoding="ascii").split()[:3])
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    known = {_key(name): name for name in BENCHMARKS}
    chosen = list(BENCHMARKS)
    if args.only:
        unknown = [n for n in args.only if _key(n) not in known]
        if unknown:
            print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}", file=sys.stderr)
            return 2
        wanted = {known[_key(n)] for n in args.only}
        chosen = [name for name in BENCHMARKS if name in wanted]
    options = Options(quick=args.quick, profile_dir=args.profile)
    machine = machine_info()
    machine["load_before"] = _load()
    print(f"Turnout benchmarks{' (quick)' if args.quick else ''} on {describe(machine)}", flush=True)
    print(f"load average before: {machine['load_before']}", flush=True)
    results = []
    for name in chosen:
        print(f"running {name}...", file=sys.stderr, flush=True)
        started, before = time.perf_counter(), mark()
        try:
            result = BENCHMARKS[name](options)
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            result = failed(name, f"{type(exc).__name__}: {exc}")
        result.seconds = time.perf_counter() - started
        result.background_cores = other_cores(before, mark())
        results.append(result)
    machine["load_after"] = _load()
    print()
    print(table(results))
    print()
    passed = sum(f.passed is True for r in results for f in r.figures)
    judged = sum(f.passed is not None for r in results for f in r.figures)
    took = sum(r.seconds for r in results)
    print(f"{passed}/{judged} targets met; took {took:.0f} s; load average after: {machine['load_after']}")
    busy = [f"{r.benchmark} {r.background_cores:.1f}" for r in results if r.background_cores is not None]
    if busy:
        print(f"cores busy with other processes meanwhile (of {machine['cores']}): {', '.join(busy)}")
        if any((r.background_cores or 0) > 0.25 for r in results):
            print("warning: the machine was not quiet; timings that depend on CPU are pessimistic. Re-run when idle.")
    if args.json is not None:
        args.json.write_text(to_json(machine, options, results), encoding="utf-8")
        print(f"figures written to {args.json}")
    if options.profile_dir is not None:
        print(f"profiles written to {options.profile_dir}{os.sep}")
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
