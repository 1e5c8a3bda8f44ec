"""One careful HTTP GET for every source: a time limit, a size cap, and errors people can read.

Feeds and exports are fetched from addresses that organizers type, so a response may be slow, huge
or an HTML sign-in page. Everything goes through :func:`fetch_response`, which never lets an aiohttp
exception or a full URL (sheet and feed URLs are often secret links) escape into a message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tasks.sources.errors import SourceError

if TYPE_CHECKING:
    import aiohttp

#: Default cap on a response body: a big Google Form export is a few MB; a calendar far less.
DEFAULT_MAX_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Fetched:
    """A response read in full: status, media type (lower case, no parameters), body, final URL."""

    status: int
    content_type: str
    body: bytes
    url: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def host_label(url: str) -> str:
    """The host of ``url``, which names a source in messages without leaking its path or query."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    return host or "the server"


def check_http_url(url: str) -> str:
    """``url`` stripped, if it is an absolute http(s) address; a SourceError otherwise."""
    cleaned = url.strip()
    if len(cleaned) > 2048:
        raise SourceError("That address is too long (2048 characters at most).")
    try:
        parts = urlsplit(cleaned)
    except ValueError as exc:
        raise SourceError("That is not a web address.") from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in cleaned):
        raise SourceError("The address must start with https:// (or http://) and contain no spaces.")
    return cleaned


async def fetch_response(
    url: str,
    *,
    session: aiohttp.ClientSession,
    timeout: float,  # noqa: ASYNC109 - a per-request aiohttp ClientTimeout, not a wait
    max_bytes: int = DEFAULT_MAX_BYTES,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    allow_redirects: bool = True,
    label: str | None = None,
) -> Fetched:
    """GET ``url`` and read at most ``max_bytes`` of its body, whatever the status.

    Callers that must interpret error bodies (Action Network's 401, Legistar's 400) use this one;
    ``label`` names the source in messages (default: the URL's host).
    """
    import aiohttp  # here, not at the top: the console starts without loading it (0.3 s)

    what = label or host_label(url)
    try:
        async with session.get(
            url,
            headers=dict(headers or {}),
            params=dict(params) if params else None,
            allow_redirects=allow_redirects,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as response:
            declared = response.content_length
            if declared is not None and declared > max_bytes:
                raise SourceError(f"{what} sent more than {_size(max_bytes)}; that is too big to read.")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.content.iter_chunked(64 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise SourceError(f"{what} sent more than {_size(max_bytes)}; that is too big to read.")
                chunks.append(chunk)
            return Fetched(
                status=response.status,
                content_type=response.content_type.lower(),
                body=b"".join(chunks),
                url=str(response.url),
            )
    except TimeoutError as exc:
        raise SourceError(f"{what} did not answer within {timeout:g} seconds.") from exc
    except aiohttp.TooManyRedirects as exc:
        raise SourceError(f"{what} redirected too many times.") from exc
    except aiohttp.ClientConnectorError as exc:
        raise SourceError(f"Could not connect to {what}.") from exc
    except aiohttp.ClientError as exc:
        # str(exc) may hold the full URL; the class name says enough for an organizer to retry.
        raise SourceError(f"The connection to {what} failed ({type(exc).__name__}).") from exc


async def fetch_url(
    url: str,
    *,
    session: aiohttp.ClientSession,
    timeout: float,  # noqa: ASYNC109 - a per-request aiohttp ClientTimeout, not a wait
    max_bytes: int = DEFAULT_MAX_BYTES,
    headers: Mapping[str, str] | None = None,
    label: str | None = None,
) -> bytes:
    """The body of a successful GET of ``url`` (redirects followed), e.g. an iCalendar feed.

    A non-2xx status, a timeout, a body over ``max_bytes`` or a network failure is a SourceError.
    """
    url = check_http_url(url)
    fetched = await fetch_response(
        url, session=session, timeout=timeout, max_bytes=max_bytes, headers=headers, label=label
    )
    if not fetched.ok:
        raise SourceError(f"{label or host_label(url)} answered HTTP {fetched.status}.")
    return fetched.body


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):g} MB"
    if count >= 1024:
        return f"{count / 1024:g} KB"
    return f"{count} bytes"
