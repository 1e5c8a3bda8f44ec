"""The normalised meeting that every calendar source produces.

Shaped after City Bureau's city-scrapers ``Meeting`` so the importer can treat an iCalendar feed and
the Legistar API alike. ``(source, source_id)`` identifies a meeting across re-imports: the importer
updates instead of duplicating, and notices when a known meeting disappears or turns cancelled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Status = Literal["cancelled", "confirmed", "tentative"]

#: How long a meeting without an end is assumed to last (city-scrapers' convention).
DEFAULT_LENGTH = timedelta(hours=2)

# Councils say "CANCELLED", "Canceled", "Postponed", "Rescheduled to ..." in titles and comments;
# whole words only, so a "Cancellation Appeals Board" or "Reschedulings Committee" stays confirmed.
_CANCEL_WORDS = re.compile(r"\b(?:cancel(?:l?ed)?|postponed?|rescheduled?)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Meeting:
    """One occurrence of a meeting, with times as aware UTC datetimes.

    ``all_day`` meetings start at local midnight (in the zone the source was read in) and end at the
    following local midnight, so sorting and windows work the same for both kinds. ``links`` holds
    ``(title, href)`` pairs such as ``("Agenda", "https://...pdf")``.
    """

    source_id: str
    title: str
    start: datetime
    end: datetime
    all_day: bool
    location: str
    description: str
    links: tuple[tuple[str, str], ...]
    status: Status
    source: str

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value.tzinfo is None or value.utcoffset() != timedelta(0):
                raise ValueError(f"Meeting.{name} must be an aware UTC datetime, got {value!r}")
        if self.end < self.start:
            raise ValueError("Meeting.end is before Meeting.start")

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"


def says_cancelled(*texts: str | None) -> bool:
    """Whether any text announces a cancellation: the only signal many municipal feeds give."""
    return any(text and _CANCEL_WORDS.search(text) for text in texts)


