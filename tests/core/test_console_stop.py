"""The interactive console stops at once on Ctrl-C, in a real terminal (a pseudo-terminal here)."""

import os
import select
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import child_env

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")


def _read_until(fd: int, needle: bytes, timeout: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                seen += os.read(fd, 4096)
            except OSError:  # the terminal closed: the process is gone
                break
    return seen


# The child execs at once, so fork's warning about threads (Python 3.12+) does not apply.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_ctrl_c_at_the_prompt_stops_the_console_at_once(tmp_path: Path) -> None:
    import pty

    env = child_env()
    pid, fd = pty.fork()
    if pid == 0:  # the child: the console, its terminal the pseudo-terminal
        try:
            os.chdir(tmp_path)
            os.execve(sys.executable, [sys.executable, "-m", "bot.cli", "console", "--db", str(tmp_path / "t.db")],
                      env)
        finally:
            os._exit(127)  # only reached when exec failed: never run the rest of the tests twice
    try:
        assert b"you> " in _read_until(fd, b"you> ", 30), "the console never showed its prompt"
        os.write(fd, b"\x03")  # Ctrl-C: the terminal sends SIGINT while input() waits on another thread
        deadline = time.monotonic() + 10
        status = None
        while status is None and time.monotonic() < deadline:
            done, raw = os.waitpid(pid, os.WNOHANG)
            if done:
                status = os.waitstatus_to_exitcode(raw)
            else:
                output = _read_until(fd, b"Traceback", 0.1)
                assert b"Traceback" not in output
        assert status is not None, "the console was still running 10 s after Ctrl-C"
        assert status in (0, 130)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)
