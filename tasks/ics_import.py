"""``turnout import-ics FILE``: council meetings from a calendar file, for feeds the bot cannot reach.

``bot.cli`` calls it; the import rules are ``bot.meetings``'. The whole import is one
transaction: a file that cannot be read changes nothing.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot import eventloop
from bot.app import Core
from bot.clock import SystemClock
from bot.config import Config
from bot.errors import TurnoutError, UsageError
from bot.meetings import MAX_NAME, ImportSummary, apply_meetings, parse_spec
from bot.notify import Notifier
from tasks.calendar_jobs import sync_window
from tasks.sources import CalendarError, parse_ics

#: A calendar file is read whole; anything this big is not a meeting calendar.
MAX_FILE_BYTES = 64 * 1024 * 1024

Progress = Callable[[int, int], None]


async def import_ics_file(core: Core, path: str | Path, *, calendar_name: str | None,
                          progress: Progress | None = None) -> ImportSummary:
    """Import the meetings of one .ics file into the calendar ``calendar_name`` (made if new).

    The calendar defaults to the file's name. Raises a TurnoutError (a CalendarError naming the
    file when it cannot be read) and then the database is as it was.
    """
    path = Path(path)
    name = " ".join((calendar_name or path.stem).split())[:MAX_NAME]
    if not name:
        raise UsageError("Give the calendar a name with --calendar NAME.")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CalendarError(f"{path.name} is {size // (1024 * 1024)} MB; that is too big for a calendar.")
        data = await asyncio.to_thread(path.read_bytes)
    except OSError as exc:
        raise CalendarError(f"{path} cannot be read ({exc.strerror or type(exc).__name__}).") from exc
    now = core.clock.now()
    start, end = sync_window(now, core.config)
    meetings = await asyncio.to_thread(parse_ics, data, name=path.name, window_start=start, window_end=end,
                                       default_tz=core.config.campaign.tz)
    if progress is not None:
        progress(0, len(meetings))
    async with core.store.transaction() as tx:
        calendar = await tx.calendar_named(name)
        if calendar is None:
            calendar = await tx.add_calendar(name, str(parse_spec(f"file:{path.name}", allow_file=True)), 5, now)
        notifier = Notifier(tx, now, core.config)
        summary = await apply_meetings(notifier, calendar, meetings, until=end, progress=progress)
        await tx.calendar_synced(calendar.id, now)
    return summary


class ProgressBar:
    """``[#######.............]  35/100 meetings`` on one line of stderr, redrawn in place."""

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        filled = self.width if total == 0 else done * self.width // total
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r[{bar}] {done}/{total} meetings")
        self.stream.flush()
        self._drawn = True

    def finish(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()


def main_import(config: Config, db_path: str | Path, path: str | Path, calendar_name: str | None) -> int:
    """The CLI entry: prints a summary (0), or the reason on stderr (1)."""
    bar = ProgressBar()

    async def run() -> ImportSummary:
        core = await Core.open(config, db_path=db_path)
        try:
            return await import_ics_file(core, path, calendar_name=calendar_name, progress=bar)
        finally:
            await core.close()

    try:
        summary = eventloop.run(run())
    except TurnoutError as exc:
        bar.finish()
        print(f"turnout: {exc.message}", file=sys.stderr)
        return 1
    bar.finish()
    start, end = sync_window(SystemClock().now(), config)
    print(f"{summary.found} meetings in the file between {start:%b %d %Y} and {end:%b %d %Y}: {summary.text()}.")
    return 0
