"""Start-up: ``turnout console`` from process start to its first reply to a piped ``help`` line.

Each run is a fresh process on a fresh database file (so the migrations run, as on a first
start), timed from just before the process is spawned to the line after the echoed ``> help``.
Two ways of running are measured: with bytecode cached (the usual case: a cache directory
primed by one unmeasured run, kept in a temp dir so nothing is written into the repository),
and exactly as this environment starts Python (which may forbid writing bytecode, so the
project's own modules are compiled on every start). Reference: a bare ``python -c pass``.
A separate ``-X importtime`` run lists the slowest imports and checks that no platform library
(discord, slack_bolt, slack_sdk) is imported by the console.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.report import Figure, Options, Result

NAME = "start-up"
ROOT = Path(__file__).resolve().parents[1]
MAX_START = 1.0
#: A console that never answers is killed after this, so the run cannot hang.
TIMEOUT = 60.0
PLATFORM_LIBRARIES = ("discord", "slack_bolt", "slack_sdk")


def _env(extra: dict[str, str], drop: tuple[str, ...] = ()) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DISCORD_", "SLACK_")) and k not in drop}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def first_reply(tmp: Path, env: dict[str, str], n: int, *, importtime: bool = False) -> tuple[float, str]:
    """Seconds from spawn to the first reply line, and the process's stderr."""
    argv = [sys.executable, *(["-X", "importtime"] if importtime else []), "-m", "bot.cli", "console",
            "--db", str(tmp / f"start-{n}.db")]
    errors = tmp / f"stderr-{n}.txt"
    with open(errors, "wb") as stderr:  # a file, not a pipe: -X importtime writes more than a pipe holds
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=tmp, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr)
        assert proc.stdin is not None and proc.stdout is not None
        watchdog = threading.Timer(TIMEOUT, proc.kill)
        watchdog.start()
        try:
            proc.stdin.write(b"help\n")
            proc.stdin.close()
            while True:
                line = proc.stdout.readline()
                if not line:
                    proc.wait(timeout=30)
                    raise RuntimeError(f"turnout console gave no reply: {errors.read_text()[-800:]}")
                if line.strip() and not line.startswith(b"> "):
                    elapsed = time.perf_counter() - started
                    break
            proc.stdout.read()
            proc.wait(timeout=30)
        finally:
            watchdog.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
    return elapsed, errors.read_text(encoding="utf-8", errors="replace")


def bare_python(env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def slowest_imports(stderr: str, count: int = 12) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """Top-level imports by cumulative time, modules at any depth by their own time, and any platform
    library that was imported."""
    tops: list[dict[str, Any]] = []
    own: list[dict[str, Any]] = []
    platform: set[str] = set()
    for line in stderr.splitlines():
        if not line.startswith("import time:") or line.count("|") != 2:
            continue
        self_us, cumulative, name = line.split(":", 1)[1].split("|")
        if not cumulative.strip().isdigit():
            continue  # the header line
        module = name.strip()
        own.append({"module": module, "self_ms": int(self_us) / 1000})
        if module.split(".")[0] in PLATFORM_LIBRARIES:
            platform.add(module.split(".")[0])
        if not name[1:].startswith(" "):  # nested imports are indented two spaces per level
            tops.append({"module": module, "cumulative_ms": int(cumulative) / 1000})
    tops.sort(key=lambda t: -t["cumulative_ms"])
    own.sort(key=lambda t: -t["self_ms"])
    return tops[:count], own[:count], sorted(platform)


def run(options: Options) -> Result:
    runs = 2 if options.quick else 5
    with tempfile.TemporaryDirectory(prefix="turnout-bench-startup-") as tmp_name:
        tmp = Path(tmp_name)
        cached_env = _env({"PYTHONPYCACHEPREFIX": str(tmp / "pycache")}, drop=("PYTHONDONTWRITEBYTECODE",))
        first_reply(tmp, cached_env, 0)  # primes the bytecode cache; not measured
        cached = [first_reply(tmp, cached_env, 1 + n)[0] for n in range(runs)]
        plain_env = _env({})
        plain = [first_reply(tmp, plain_env, 100 + n)[0] for n in range(runs)]
        _, stderr = first_reply(tmp, cached_env, 200, importtime=True)
        bare = bare_python(cached_env, runs)
    imports, own, platform = slowest_imports(stderr)
    median_cached, median_plain = statistics.median(cached), statistics.median(plain)
    no_bytecode = os.environ.get("PYTHONDONTWRITEBYTECODE", "") != ""
    figures = [
        Figure("first reply, bytecode cached", f"< {MAX_START:g} s", median_cached, "s",
               f"{median_cached:.2f} s", median_cached < MAX_START and not platform, median_cached / MAX_START,
               f"{median_cached / MAX_START:.2f}x the limit; {median_cached / bare:.1f}x bare python "
               f"({bare * 1000:.0f} ms)"),
        Figure("first reply, this environment" + (" (no .pyc writes)" if no_bytecode else ""), "(info)",
               median_plain, "s", f"{median_plain:.2f} s", None, median_plain / MAX_START,
               f"{median_plain / MAX_START:.2f}x the limit"),
        Figure("platform libraries imported by console", "none", len(platform), "",
               ", ".join(platform) or "none", not platform),
    ]
    details = {
        "runs": runs, "cached_s": cached, "this_environment_s": plain, "bare_python_s": bare,
        "pythondontwritebytecode": no_bytecode, "slowest_top_level_imports": imports,
        "slowest_modules_own_time": own,
        "platform_libraries_imported": platform,
    }
    return Result(NAME, figures, details)
