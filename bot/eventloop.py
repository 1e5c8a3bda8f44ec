"""The event loop every Turnout process runs on: uvloop where it is installed (everywhere but
Windows), asyncio's own otherwise.

uvloop runs callbacks and futures several times faster than asyncio's pure-Python loop. In a
burst, where thousands of commands each wait on the store a few times, that is a fifth of the
time (``make bench``). Nothing in Turnout depends on which loop it is; the tests run on this one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    try:
        import uvloop
    except ImportError:  # Windows, or an install without it
        return asyncio.new_event_loop
    return uvloop.new_event_loop


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on Turnout's loop."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
