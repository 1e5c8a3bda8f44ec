"""Fixtures for the data-source tests: one HTTP session and fake servers on 127.0.0.1, port 0."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from sources_fakes import Recorder, Serve


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def serve(recorder: Recorder) -> AsyncIterator[Serve]:
    """Start an app on 127.0.0.1 with a free port; its base URL comes back. All stop at teardown."""
    runners: list[web.AppRunner] = []

    async def start(app: web.Application) -> str:
        runner = web.AppRunner(app, shutdown_timeout=1.0)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        return f"http://{host}:{port}"

    yield start
    recorder.release.set()  # let any deliberately hanging handler finish before shutdown
    for runner in reversed(runners):
        await runner.cleanup()
