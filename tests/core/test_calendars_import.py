"""``turnout import-ics``: real-world calendar files into a real SQLite store, whole or not at all."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import Core
from bot.clock import FakeClock
from tasks.ics_import import import_ics_file, main_import
from tasks.sources import CalendarError
from tests.conftest import ICS_CORPUS, make_config

BROKEN = {"broken_stray_content_line.ics"}
WEEKLY = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nBEGIN:VEVENT\r\nUID:weekly@example.org\r\n"
    "DTSTART;TZID=America/New_York:20260105T190000\r\nRRULE:FREQ=WEEKLY\r\nSUMMARY:Weekly council\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def corpus_files() -> list[Path]:
    if not ICS_CORPUS.is_dir():
        return []
    return sorted(ICS_CORPUS.glob("*.ics"))


async def _fingerprint(core: Core) -> str:
    """Everything an import could touch, as one hash."""
    digest = hashlib.sha256()
    async with core.store.snapshot() as tx:
        for table in ("calendars", "events", "roles", "deliveries", "timers"):
            for row in await tx.all(f"SELECT * FROM {table} ORDER BY id"):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def when_it_happens(path: Path) -> datetime:
    """A week before the file's middle start date, so the import window holds some of its meetings."""
    days = sorted(set(re.findall(rb"DTSTART[^:\r\n]*:(\d{8})", path.read_bytes())))
    if not days:
        return datetime(2026, 11, 27, 17, tzinfo=UTC)
    middle = days[len(days) // 2].decode()
    return datetime(int(middle[:4]), int(middle[4:6]), int(middle[6:]), 17, tzinfo=UTC) - timedelta(days=7)


@pytest.mark.skipif(not corpus_files(), reason=f"the calendar corpus is not at {ICS_CORPUS}")
async def test_every_corpus_file_imports_or_fails_whole_with_its_name(tmp_path: Path) -> None:
    clock = FakeClock()
    core = await Core.open(make_config(), db_path=tmp_path / "corpus.db", clock=clock)
    failed: set[str] = set()
    imported = 0
    try:
        for path in corpus_files():
            clock.set(when_it_happens(path))
            before = await _fingerprint(core)
            calls: list[tuple[int, int]] = []
            try:
                summary = await import_ics_file(core, path, calendar_name=path.stem,
                                                progress=lambda done, total, seen=calls: seen.append((done, total)))
            except CalendarError as exc:
                failed.add(path.name)
                assert path.name in exc.message
                assert await _fingerprint(core) == before, f"{path.name} changed the database"
                continue
            imported += summary.new
            assert calls[0] == (0, summary.found) and calls[-1] == (summary.found, summary.found)
            again = await import_ics_file(core, path, calendar_name=path.stem, progress=lambda done, total: None)
            assert (again.new, again.updated, again.cancelled) == (0, 0, 0), path.name
        assert failed == BROKEN
        async with core.store.snapshot() as tx:
            events = await tx.all_events()
            assert len(events) == imported > 100  # most files have meetings near their middle date
            assert all(e.kind == "meeting" and e.source_key for e in events)
    finally:
        await core.close()


async def test_a_missing_file_names_itself_and_a_file_import_joins_its_calendar(tmp_path: Path) -> None:
    core = await Core.open(make_config(), db_path=tmp_path / "t.db", clock=FakeClock())
    try:
        with pytest.raises(CalendarError, match="nowhere.ics cannot be read"):
            await import_ics_file(core, tmp_path / "nowhere.ics", calendar_name=None)
        feed = tmp_path / "council.ics"
        feed.write_bytes(WEEKLY.encode())
        summary = await import_ics_file(core, feed, calendar_name=None)
        assert (summary.found, summary.new) == (8, 8)  # Mondays Nov 30 .. Jan 18
        async with core.store.snapshot() as tx:
            [calendar] = await tx.calendars()
            assert (calendar.name, calendar.spec) == ("council", "file:council.ics")
            assert await tx.all("SELECT * FROM timers WHERE kind = 'calendar-sync'") == []  # a file can't sync
    finally:
        await core.close()


def test_main_import_prints_a_summary_and_a_progress_bar(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    feed = tmp_path / "council.ics"
    feed.write_bytes(WEEKLY.encode())
    assert main_import(make_config(), tmp_path / "t.db", feed, "Council") == 0
    out, err = capsys.readouterr()
    assert "meetings in the file between " in out and " new, 0 updated, 0 cancelled" in out
    assert "] 0/" in err and err.endswith(" meetings\n")
    broken = tmp_path / "broken.ics"
    broken.write_bytes(b"<html>no calendar here</html>")
    assert main_import(make_config(), tmp_path / "t.db", broken, "Council") == 1
    assert "broken.ics is not an iCalendar file" in capsys.readouterr().err
