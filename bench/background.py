"""How busy the machine was with other work while a benchmark ran.

The figures are only comparable between runs when the machine was otherwise quiet, so each
benchmark records the CPU the rest of the machine used meanwhile (all CPU time from
``/proc/stat`` minus this process's and its children's), in cores.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Mark:
    at: float
    machine_busy_s: float | None
    own_s: float


def _machine_busy() -> float | None:
    try:
        fields = Path("/proc/stat").read_text(encoding="ascii").splitlines()[0].split()[1:]
    except OSError:
        return None
    values = [int(v) for v in fields[:8]]  # user nice system idle iowait irq softirq steal
    return (sum(values) - values[3] - values[4]) / TICKS


def mark() -> Mark:
    t = os.times()
    return Mark(time.perf_counter(), _machine_busy(), t.user + t.system + t.children_user + t.children_system)


def other_cores(start: Mark, end: Mark) -> float | None:
    """Average number of cores busy with other processes between two marks."""
    if start.machine_busy_s is None or end.machine_busy_s is None or end.at <= start.at:
        return None
    others = (end.machine_busy_s - start.machine_busy_s) - (end.own_s - start.own_s)
    return max(others, 0.0) / (end.at - start.at)
