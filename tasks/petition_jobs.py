"""Petition polling (filled in below)."""

from __future__ import annotations

from tasks.jobenv import FetchJob

FETCH_JOBS: dict[str, FetchJob] = {}
