"""Latency summaries: nearest-rank percentiles, so p99 of 100 samples is the 99th slowest, not an interpolation."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(samples: Sequence[float], pct: float) -> float:
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(math.ceil(pct / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def summary(samples: Sequence[float]) -> dict[str, float]:
    """p50, p90, p99 and max, in the unit of the samples, plus the count."""
    return {
        "count": len(samples),
        "p50": percentile(samples, 50),
        "p90": percentile(samples, 90),
        "p99": percentile(samples, 99),
        "max": max(samples),
    }


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"
