"""Footprint: the bot at rest, with console, Discord and Slack adapters connected to the test fakes.

The fakes from ``tests/discord/fake_discord.py`` and ``tests/slack/fake_slack.py`` run in this
process; the bot runs in a separate one (``bench.idle_bot``: all three adapters, as the figure
asks), and next to it, for information, the product's own ``turnout run`` (Discord and Slack; it
starts no console). Once both are connected and settled, each is left alone for the idle window
while its resident memory, CPU time and context switches are read from ``/proc``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, BinaryIO

from bench.report import Figure, Options, Result
from bot import eventloop

NAME = "footprint"
ROOT = Path(__file__).resolve().parents[1]
MAX_RSS_MB = 120.0
MAX_IDLE_CPU = 0.5
READY_WITHIN = 60.0
TICKS = os.sysconf("SC_CLK_TCK")
BOTS = ("all three adapters", "turnout run")


def _load(path: Path) -> ModuleType:
    """A test fake by file path (``tests/`` is not a package the bench may import by name)."""
    spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@dataclass
class Sample:
    at: float
    rss_mb: float
    hwm_mb: float
    cpu_s: float
    threads: int
    switches: int


def sample(pid: int) -> Sample:
    status = _status(f"/proc/{pid}/status")
    with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    # After the command name: utime and stime (whole process, every thread) are the 12th and 13th fields.
    cpu = (int(fields[11]) + int(fields[12])) / TICKS
    switches = 0
    for task in Path(f"/proc/{pid}/task").iterdir():  # per thread: the process line counts the main thread only
        with contextlib.suppress(OSError):
            t = _status(str(task / "status"))
            switches += int(t["voluntary_ctxt_switches"]) + int(t["nonvoluntary_ctxt_switches"])
    return Sample(time.perf_counter(), int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024,
                  cpu, int(status["Threads"]), switches)


def _status(path: str) -> dict[str, str]:
    out = {}
    with open(path, encoding="ascii") as handle:
        for line in handle:
            key, _, value = line.partition(":")
            out[key] = value.strip()
    return out


def _config(tmp: Path, discord: Any, slack: Any) -> Path:
    path = tmp / "turnout.toml"
    path.write_text(
        f'[console]\nfiles_dir = "{tmp / "files"}"\n\n'
        f'[discord]\napi_base = "{discord.api_base}"\ngateway_url = "{discord.gateway_url}"\n\n'
        f'[slack]\nmode = "socket"\napi_base = "{slack.api_url}"\n',
        encoding="utf-8",
    )
    return path


def _env(discord_token: str, slack_bot: str, slack_app: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_"))}
    env.update(DISCORD_TOKEN=discord_token, SLACK_BOT_TOKEN=slack_bot, SLACK_APP_TOKEN=slack_app,
               PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""))
    return env


def _check_alive(procs: dict[str, asyncio.subprocess.Process], logs: Path) -> None:
    for name, proc in procs.items():
        if proc.returncode is not None:
            raise RuntimeError(f"{name} exited ({proc.returncode}): {_tail(logs / f'{_slug(name)}.log')}")


async def _until(check: Any, within: float, what: str, procs: dict[str, asyncio.subprocess.Process],
                 logs: Path) -> None:
    deadline = time.perf_counter() + within
    while not check():
        _check_alive(procs, logs)
        if time.perf_counter() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def _slug(name: str) -> str:
    return name.replace(" ", "-")


def _tail(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-1500:]
    except OSError:
        return ""


async def _stop(proc: asyncio.subprocess.Process) -> None:
    """End of input first (the console then stops the bot), SIGINT next, SIGKILL last."""
    asks: tuple[signal.Signals | None, ...] = (signal.SIGINT, signal.SIGKILL)
    if proc.stdin is not None:
        proc.stdin.close()
        asks = (None, *asks)
    for ask in asks:
        if ask is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(ask)
        try:
            await asyncio.wait_for(proc.wait(), 5 if ask != signal.SIGKILL else None)
            return
        except TimeoutError:
            continue


async def _measure(options: Options, tmp: Path, logs: dict[str, BinaryIO]) -> dict[str, Any]:
    fake_discord = _load(ROOT / "tests" / "discord" / "fake_discord.py")
    fake_slack = _load(ROOT / "tests" / "slack" / "fake_slack.py")
    discord = fake_discord.FakeDiscord()
    slack = fake_slack.FakeSlack()
    await discord.start()
    await slack.start()
    procs: dict[str, asyncio.subprocess.Process] = {}
    try:
        config = _config(tmp, discord, slack)
        env = _env("test-token", fake_slack.BOT_TOKEN, fake_slack.APP_TOKEN)
        started = time.perf_counter()
        procs["all three adapters"] = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.idle_bot", str(config), str(tmp / "idle.db"), cwd=tmp, env=env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=logs["all three adapters"])
        procs["turnout run"] = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", "--config", str(config), "--db", str(tmp / "run.db"), cwd=tmp,
            env=env, stdin=asyncio.subprocess.DEVNULL, stdout=logs["turnout run"], stderr=logs["turnout run"])
        main = procs["all three adapters"]
        assert main.stdout is not None
        line = await asyncio.wait_for(main.stdout.readline(), READY_WITHIN)
        if line.strip() != b"ready":
            await _stop(main)
            raise RuntimeError(f"bench.idle_bot did not start: {line!r} {_tail(tmp / 'all-three-adapters.log')}")
        await _until(lambda: discord.identifies >= 2 and discord.command_uploads >= 2 and slack.connections >= 2,
                     READY_WITHIN, "both bots to connect to the fakes", procs, tmp)
        connected = time.perf_counter() - started
        await asyncio.sleep(1.0 if options.quick else 3.0)  # let start-up work (first tick, GC) finish
        window = 10.0 if options.quick else 60.0
        first = {name: sample(p.pid) for name, p in procs.items()}
        peaks = {name: s.rss_mb for name, s in first.items()}
        end = time.perf_counter() + window
        while time.perf_counter() < end:
            await asyncio.sleep(min(1.0, max(end - time.perf_counter(), 0)))
            _check_alive(procs, tmp)
            for name, p in procs.items():
                peaks[name] = max(peaks[name], sample(p.pid).rss_mb)
        last = {name: sample(p.pid) for name, p in procs.items()}
        out: dict[str, Any] = {"window_s": window, "connected_after_s": connected,
                               "fake_requests": {"discord": len(discord.requests), "slack": len(slack.calls)},
                               "discord_refusals": list(discord.problems)}
        for name in procs:
            a, b = first[name], last[name]
            elapsed = b.at - a.at
            out[name] = {"rss_mb": b.rss_mb, "rss_peak_idle_mb": peaks[name], "rss_hwm_mb": b.hwm_mb,
                         "idle_cpu_s": b.cpu_s - a.cpu_s, "elapsed_s": elapsed, "threads": b.threads,
                         "wakeups_per_s": (b.switches - a.switches) / elapsed}
        return out
    finally:
        for proc in procs.values():
            await _stop(proc)
        for name, handle in logs.items():
            handle.flush()
            tail = _tail(tmp / f"{_slug(name)}.log")
            if "Traceback" in tail:
                print(f"[footprint] {name} logged an error:\n{tail}", file=sys.stderr)
        await discord.close()
        await slack.stop()


def run(options: Options) -> Result:
    with tempfile.TemporaryDirectory(prefix="turnout-bench-footprint-") as tmp, contextlib.ExitStack() as files:
        # Logs go to files: a pipe nobody reads could fill up and stall a bot that is meant to look idle.
        logs = {name: files.enter_context(open(Path(tmp) / f"{_slug(name)}.log", "wb")) for name in BOTS}
        out = eventloop.run(_measure(options, Path(tmp), logs))
    window = out["window_s"]
    figures = []
    for name, judged in (("all three adapters", True), ("turnout run", False)):
        m = out[name]
        label = "console+Discord+Slack" if judged else "`turnout run` (Discord+Slack)"
        rss, cpu = m["rss_peak_idle_mb"], m["idle_cpu_s"]
        figures.append(Figure(f"{label} resident memory", f"< {MAX_RSS_MB:g} MB", rss, "MB", f"{rss:.1f} MB",
                              rss < MAX_RSS_MB if judged else None, rss / MAX_RSS_MB,
                              f"{rss / MAX_RSS_MB:.2f}x the limit (start-up peak {m['rss_hwm_mb']:.0f} MB)"))
        figures.append(Figure(f"{label} CPU over {window:g} s idle", f"< {MAX_IDLE_CPU:g} s", cpu, "s",
                              f"{cpu:.2f} s", cpu < MAX_IDLE_CPU if judged else None, cpu / MAX_IDLE_CPU,
                              f"{cpu / MAX_IDLE_CPU:.2f}x the limit, {m['wakeups_per_s']:.1f} wake-ups/s"))
    return Result(NAME, figures, out)
