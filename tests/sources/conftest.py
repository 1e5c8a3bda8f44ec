"""Fixtures for the data-source tests: one HTTP session and fake servers on 127.0.0.1, port 0."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from sources_fakes import Recorder

from tests.conftest import Serve


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
async def serve(serve: Serve, recorder: Recorder) -> AsyncIterator[Serve]:
    """The root ``serve``, releasing any deliberately hanging handler before the servers stop."""
    yield serve
    recorder.release.set()
