"""Errors of the data sources, in the project's one hierarchy.

They subclass :class:`bot.errors.TurnoutError` so the dispatcher shows them as a friendly line when
an organizer runs a command that reaches a source (``petition source ...``, ``calendar import``).
That is why every message here is written for people and never carries a secret, a traceback or a
full URL (feed and sheet URLs are often capability links).
"""

from __future__ import annotations

from bot.errors import TurnoutError


class SourceError(TurnoutError):
    """An outside source could not be read, or its address was written wrong."""

    prefix = "Source problem"


class CalendarError(SourceError):
    """A calendar file could not be read as a whole; the message names the file."""


def redact(text: str, secrets: tuple[str | None, ...]) -> str:
    """``text`` with every occurrence of each secret replaced, for services that echo keys back."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text
