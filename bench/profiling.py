"""Optional cProfile of a measured section (``--profile DIR``), and where the CPU time went.

cProfile sees the event-loop thread only; aiosqlite runs every query on its own thread per
connection. ``CpuSplit`` tells the two apart, so a profile that looks idle is not misread.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bench.report import Options


@dataclass
class CpuSplit:
    wall: float = 0.0
    process_cpu: float = 0.0
    loop_thread_cpu: float = 0.0

    @property
    def other_threads_cpu(self) -> float:
        return max(self.process_cpu - self.loop_thread_cpu, 0.0)

    def as_dict(self) -> dict[str, float]:
        return {"wall_s": round(self.wall, 3), "process_cpu_s": round(self.process_cpu, 3),
                "loop_thread_cpu_s": round(self.loop_thread_cpu, 3),
                "other_threads_cpu_s": round(self.other_threads_cpu, 3)}


@contextmanager
def measured(options: Options, name: str) -> Iterator[CpuSplit]:
    """Time a section; with ``--profile`` also write ``NAME.prof`` and a ``NAME.txt`` summary."""
    split = CpuSplit()
    profiler = cProfile.Profile() if options.profile_dir is not None else None
    wall, cpu, thread = time.perf_counter(), time.process_time(), time.thread_time()
    if profiler is not None:
        profiler.enable()
    try:
        yield split
    finally:
        if profiler is not None:
            profiler.disable()
        split.wall = time.perf_counter() - wall
        split.process_cpu = time.process_time() - cpu
        split.loop_thread_cpu = time.thread_time() - thread
        if profiler is not None and options.profile_dir is not None:
            options.profile_dir.mkdir(parents=True, exist_ok=True)
            profiler.dump_stats(options.profile_dir / f"{name}.prof")
            text = io.StringIO()
            stats = pstats.Stats(profiler, stream=text)
            stats.sort_stats("tottime").print_stats(30)
            stats.sort_stats("cumulative").print_stats(40)
            (options.profile_dir / f"{name}.txt").write_text(text.getvalue(), encoding="utf-8")
