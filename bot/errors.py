"""One error hierarchy for everything a user can get wrong.

The dispatcher turns these into a friendly one-line reply in exactly one place; anything that is
not a ``TurnoutError`` is a bug, logged with its traceback and answered with an apology and an id.
"""

from __future__ import annotations


class TurnoutError(Exception):
    """A problem the user can fix; its message is safe to show in chat."""

    #: Shown before the message, so every reply of a kind reads alike.
    prefix = "Sorry"

    def __init__(self, message: str, *, usage: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage


class UsageError(TurnoutError):
    """The command was typed wrong: unknown command, missing or malformed argument."""

    prefix = "Hmm"


class NotFound(TurnoutError):
    """The command names something that does not exist (an event id, a petition...)."""

    prefix = "Not found"


class PermissionDenied(TurnoutError):
    """The person may not run this command."""

    prefix = "Not allowed"


class Conflict(TurnoutError):
    """The request clashes with the current state (event cancelled, already in the past...)."""

    prefix = "Can't do that"
