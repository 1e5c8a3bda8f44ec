"""The interface between the outbox and the platforms: what an adapter implements to send.

An adapter's transport raises ``DeliveryRefused`` when the platform says no for good (the person
blocks DMs, the channel is gone), ``DeliveryFailed`` when trying again later may work, and
``DeliveryUncertain`` when the message may have arrived already.
"""

from __future__ import annotations

import math
from typing import Protocol

from bot.model import Reply, Target


class DeliveryRefused(Exception):
    """The platform will never accept this message (DMs closed, channel deleted, no access)."""


class DeliveryFailed(Exception):
    """A send that may succeed later (timeout, 5xx, rate limit)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def retry_after_seconds(raw: object) -> float | None:
    """The wait a ``Retry-After`` value asks for, in seconds; None when it is missing or not a number
    (the HTTP-date form is not used by Discord or Slack: the outbox's own backoff applies instead)."""
    if raw is None:
        return None
    try:
        seconds = float(str(raw).strip())
    except ValueError:
        return None
    return max(0.0, seconds) if math.isfinite(seconds) else None


class DeliveryUncertain(Exception):
    """The platform may or may not have the message (the connection broke after the request went out).

    Sending again could post it twice, so the outbox records it as ``uncertain`` and tells organizers
    instead of retrying.
    """


class Transport(Protocol):
    #: The platform this transport sends on: ``console``, ``discord``, ``slack``.
    platform: str

    async def send(self, target: Target, reply: Reply, *, key: str) -> str | None:
        """Send one message; returns the platform's message id when it has one.

        ``key`` is unique per logical message: platforms that support idempotent sends use it.
        """
        ...
