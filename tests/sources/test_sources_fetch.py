"""fetch_url: limits, statuses and network failures become readable SourceErrors."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web
from sources_fakes import Recorder, counts_app

from tasks.sources import SourceError, fetch_url
from tasks.sources.fetch import check_http_url, fetch_response, host_label
from tests.conftest import Serve


async def test_returns_the_body(serve: Serve, recorder: Recorder, session: aiohttp.ClientSession) -> None:
    base = await serve(counts_app(recorder))
    body = await fetch_url(f"{base}/petitions/700123/count.json", session=session, timeout=5, max_bytes=1024)
    assert body == b'{"signature_count": 1042}'


async def test_non_2xx_is_an_error_naming_only_the_host(
    serve: Serve, recorder: Recorder, session: aiohttp.ClientSession
) -> None:
    base = await serve(counts_app(recorder))
    with pytest.raises(SourceError) as caught:
        await fetch_url(f"{base}/private/feed.ics?token=s3cret", session=session, timeout=5, max_bytes=1024)
    assert caught.value.message == "127.0.0.1 answered HTTP 404."
    assert "s3cret" not in caught.value.message


async def test_declared_size_over_the_cap(serve: Serve, recorder: Recorder, session: aiohttp.ClientSession) -> None:
    base = await serve(counts_app(recorder))
    with pytest.raises(SourceError, match="more than 100 KB"):
        await fetch_url(f"{base}/huge.json", session=session, timeout=5, max_bytes=100 * 1024)


async def test_streamed_size_over_the_cap(serve: Serve, recorder: Recorder, session: aiohttp.ClientSession) -> None:
    base = await serve(counts_app(recorder))
    with pytest.raises(SourceError, match="too big"):
        await fetch_url(f"{base}/streamed.json", session=session, timeout=5, max_bytes=256 * 1024)


async def test_timeout(serve: Serve, recorder: Recorder, session: aiohttp.ClientSession) -> None:
    base = await serve(counts_app(recorder))  # /slow.json waits until the server stops
    with pytest.raises(SourceError, match=r"did not answer within 0\.2 seconds"):
        await fetch_url(f"{base}/slow.json", session=session, timeout=0.2, max_bytes=1024)


async def test_connection_refused(serve: Serve, session: aiohttp.ClientSession) -> None:
    runner = web.AppRunner(web.Application())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    await runner.cleanup()  # the port is free again and nobody listens
    with pytest.raises(SourceError, match="Could not connect to 127.0.0.1"):
        await fetch_url(f"http://127.0.0.1:{port}/feed.ics", session=session, timeout=5, max_bytes=1024)


async def test_fetch_response_keeps_error_bodies(
    serve: Serve, recorder: Recorder, session: aiohttp.ClientSession
) -> None:
    base = await serve(counts_app(recorder))
    fetched = await fetch_response(f"{base}/missing", session=session, timeout=5, max_bytes=1024)
    assert (fetched.status, fetched.ok, fetched.content_type) == (404, False, "application/json")
    assert b"no such petition" in fetched.body


@pytest.mark.parametrize(
    "url", ["ftp://example.org/feed.ics", "file:///etc/passwd", "example.org/feed.ics", "https:///x", "https://a b/"]
)
async def test_only_http_urls(url: str, session: aiohttp.ClientSession) -> None:
    with pytest.raises(SourceError, match="https://"):
        await fetch_url(url, session=session, timeout=5, max_bytes=1024)


def test_long_url_refused() -> None:
    with pytest.raises(SourceError, match="too long"):
        check_http_url("https://example.org/" + "a" * 3000)


def test_host_label() -> None:
    assert host_label("https://docs.google.com/spreadsheets/d/KEY/export?format=csv") == "docs.google.com"
    assert host_label("not a url") == "the server"
