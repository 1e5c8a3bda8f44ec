"""Calendar imports on a schedule (filled in by the calendar import work)."""

from __future__ import annotations

from tasks.jobenv import FetchJob

FETCH_JOBS: dict[str, FetchJob] = {}
