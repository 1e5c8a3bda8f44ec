"""Figures, the one table they are printed in, and the JSON that carries the same numbers."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Options:
    #: Smaller sizes and a shorter idle window, for a smoke test of the benchmarks themselves.
    quick: bool = False
    #: Where to write a cProfile of each measured section (None: no profiling, no overhead).
    profile_dir: Path | None = None


@dataclass
class Figure:
    figure: str
    #: The target as a reader would say it: ``<= 1 s``, ``>= 3x the sqlite3 loop``.
    target: str
    measured: float
    unit: str
    #: ``measured`` formatted for the table.
    shown: str
    #: None for a figure printed for information only.
    passed: bool | None
    #: Measured against its reference (a baseline run in the same process, or the limit itself).
    ratio: float | None = None
    ratio_text: str = ""

    @property
    def verdict(self) -> str:
        if self.passed is None:
            return "info"
        return "PASS" if self.passed else "FAIL"


@dataclass
class Result:
    benchmark: str
    figures: list[Figure]
    #: Sizes, raw samples summaries, sanity checks: everything the JSON should carry besides figures.
    details: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None
    #: Cores the rest of the machine kept busy meanwhile (see ``bench.background``).
    background_cores: float | None = None


def failed(benchmark: str, error: str) -> Result:
    return Result(benchmark, [Figure("benchmark ran", "completes", math.nan, "", "crashed", False,
                                     ratio_text=error[:100])], error=error)


COLUMNS = ("benchmark", "figure", "target", "measured", "ratio", "verdict")


def rows(results: list[Result]) -> list[tuple[str, ...]]:
    out = []
    for result in results:
        for i, f in enumerate(result.figures):
            out.append((result.benchmark if i == 0 else "", f.figure, f.target, f.shown, f.ratio_text, f.verdict))
    return out


def table(results: list[Result]) -> str:
    body = rows(results)
    widths = [max(len(c), *(len(r[i]) for r in body)) if body else len(c) for i, c in enumerate(COLUMNS)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    out = [line(COLUMNS), line(tuple("-" * w for w in widths))]
    for row in body:
        if row[0] and len(out) > 2:
            out.append("")  # a blank line before each benchmark after the first
        out.append(line(row))
    return "\n".join(out)


def _clean(value: Any) -> Any:
    """JSON has no NaN: a crashed figure is null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def to_json(machine: dict[str, Any], options: Options, results: list[Result]) -> str:
    data = {
        "machine": machine,
        "quick": options.quick,
        "benchmarks": [
            {
                "benchmark": r.benchmark,
                "seconds": round(r.seconds, 2),
                "background_cores": None if r.background_cores is None else round(r.background_cores, 2),
                "error": r.error,
                "figures": [{**asdict(f), "verdict": f.verdict} for f in r.figures],
                "details": r.details,
            }
            for r in results
        ],
    }
    return json.dumps(_clean(data), indent=2, ensure_ascii=False, default=str) + "\n"
