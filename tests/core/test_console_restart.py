"""End to end with the real scheduler: a console process killed before a reminder is due, and a
new one that delivers it on time, once (its clock set ahead: the test waits two seconds for the
reminder, not a day)."""

import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from queue import Empty, Queue
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import child_env

procs: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _close_processes() -> Iterator[None]:
    yield
    while procs:
        proc = procs.pop()
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()


def _start(tmp_path: Path, *args: str, clock: datetime | None = None) -> tuple[subprocess.Popen[str], "Queue[str]"]:
    env = child_env()
    # With ``clock``, the child's clock starts there (tests/travel.py); without, it is the real one.
    launcher = ["bot.cli"] if clock is None else ["tests.travel", clock.isoformat()]
    proc = subprocess.Popen(
        [sys.executable, "-m", *launcher, "console", "--db", str(tmp_path / "t.db"), *args],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path, env=env,
    )
    lines: Queue[str] = Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    procs.append(proc)
    return proc, lines


def _wait_for(lines: "Queue[str]", needle: str, timeout: float) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
        except Empty:
            break
        seen.append(line)
        if needle in line:
            return seen
    raise AssertionError(f"{needle!r} did not appear; saw {seen}")


def test_a_reminder_survives_a_killed_process_and_is_sent_once(tmp_path: Path) -> None:
    first, lines = _start(tmp_path)
    assert first.stdin is not None
    first.stdin.write("channel link reminders\n")
    first.stdin.flush()
    _wait_for(lines, "Linked", timeout=20)
    start = (datetime.now(UTC) + timedelta(days=1)).astimezone(ZoneInfo("America/New_York"))
    first.stdin.write(f'event add Sit-in when:"{start:%Y-%m-%dT%H:%M:%S}" remind:"2h"\n')
    first.stdin.write("ann: signup 1\n")
    first.stdin.flush()
    _wait_for(lines, "You're in!", timeout=20)
    first.send_signal(signal.SIGKILL)  # killed long before the reminder is due
    first.wait(timeout=10)
    first.stdin.close()
    with sqlite3.connect(tmp_path / "t.db") as db:
        planned = db.execute("SELECT DISTINCT due_at FROM deliveries WHERE kind = 'reminder'").fetchall()
    [(due_at,)] = planned
    due = datetime.fromisoformat(due_at.replace("Z", "+00:00"))

    # The next process wakes up two seconds before the reminder is due (its clock set ahead, see
    # tests/travel.py): the real APScheduler alarm it sets at start-up rings it. (A start slower than
    # that would find it due at once and send it all the same, through the start-up round instead.)
    second, lines = _start(tmp_path, "--linger", "30", clock=due - timedelta(seconds=2))
    assert second.stdin is not None
    second.stdin.close()
    try:
        seen = _wait_for(lines, "[DM ann] Reminder: Sit-in (#1) starts in 2 hours", timeout=30)
        assert any("[#general] Reminder: Sit-in (#1)" in line for line in seen)
    finally:
        second.send_signal(signal.SIGTERM)  # a clean stop: the send in hand is recorded first
        assert second.wait(timeout=10) == 0
    with sqlite3.connect(tmp_path / "t.db") as db:
        states = db.execute("SELECT kind, state, COUNT(*) FROM deliveries GROUP BY kind, state").fetchall()
        sent_at = db.execute("SELECT DISTINCT updated_at FROM deliveries WHERE kind = 'reminder'").fetchall()
    assert states == [("reminder", "sent", 2)]
    # Sent when due on the child's clock, not at its start-up and not a day late.
    assert all(due <= datetime.fromisoformat(at.replace("Z", "+00:00")) < due + timedelta(minutes=1)
               for (at,) in sent_at)
