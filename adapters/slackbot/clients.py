"""Building slack-sdk Web API clients with Turnout's retry policy.

Two policies, because a repeated call costs differently:
- interactive calls (views.open, respond...) keep slack-sdk's one retry on a dropped connection;
- the delivery client never retries a dropped connection: Slack may already have posted the
  message, and chat.postMessage has no idempotency key, so a blind retry is a duplicate. Short
  429s are waited out here; long ones go back to the outbox as ``DeliveryFailed(retry_after=...)``.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery import retry_after_seconds

SLACK_API = "https://slack.com/api/"
#: A 429 asking us to wait longer than this is not waited out in-line.
MAX_INLINE_WAIT = 5


def api_base(configured: str) -> str:
    """The Web API base from ``[slack] api_base``; Slack's own when empty."""
    base = configured.strip() or SLACK_API
    return base if base.endswith("/") else base + "/"


def retry_after(headers: Any) -> float | None:
    """Seconds from a ``Retry-After`` header (slack-sdk gives header values as lists)."""
    if headers is None:
        return None
    for name, value in headers.items():
        if name.lower() == "retry-after":
            return retry_after_seconds(value[0] if isinstance(value, list | tuple) and value else value)
    return None


class ShortRateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """Retries a 429 once, after its Retry-After, but only when that wait is short."""

    async def _can_retry_async(self, *, state, request, response=None, error=None) -> bool:  # type: ignore[no-untyped-def]
        if response is None or response.status_code != 429:
            return False
        wait = retry_after(response.headers)
        return wait is None or wait <= MAX_INLINE_WAIT


def retry_policy(*, resend_on_connection_error: bool) -> list[AsyncRetryHandler]:
    handlers: list[AsyncRetryHandler] = [ShortRateLimitRetry(max_retry_count=1)]
    if resend_on_connection_error:
        handlers.append(AsyncConnectionErrorRetryHandler(max_retry_count=1))
    return handlers


def web_client(token: str, *, base_url: str, session: aiohttp.ClientSession | None,
               resend_on_connection_error: bool, timeout: int = 15) -> AsyncWebClient:
    return AsyncWebClient(
        token=token, base_url=base_url, session=session, timeout=timeout,
        retry_handlers=retry_policy(resend_on_connection_error=resend_on_connection_error),
    )
