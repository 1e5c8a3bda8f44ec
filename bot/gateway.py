"""The core's view of the outside data sources (petition counts, calendars).

The core validates and uses sources through this interface; ``tasks.sources.gateway`` implements it
with real HTTP, and the composition root passes it in, so ``bot`` never does network I/O itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.meetings import MeetingLike


class Sources(Protocol):
    def petition_spec(self, spec: str) -> str:
        """The canonical form of a petition source spec; raises a TurnoutError naming the problem."""
        ...

    async def petition_count(self, spec: str) -> int:
        """Fetch the current count; raises a TurnoutError (with secrets redacted) when it cannot."""
        ...

    async def calendar_meetings(self, spec: str, *, now: datetime) -> tuple[list[MeetingLike], datetime]:
        """The meetings of a calendar spec within the sync window, and the window's end."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
