"""Shared pieces of the torture tests (issue #7): a seed, a console subprocess that can be killed,
a booted-and-rebootable bot on one SQLite file, a punctual fake-clock driver and a faulty platform.

Every random choice comes from ``seed()``; set ``TORTURE_SEED`` to replay another run. Assertion
messages name the seed so a failure can be replayed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from bot.app import Core
from bot.clock import FakeClock
from bot.config import Config
from bot.delivery import DeliveryFailed, DeliveryUncertain
from bot.model import Actor, Invocation, Place, Reply, Target
from tasks.postman import Postman
from tasks.runner import Runner
from tests.conftest import child_env

DEFAULT_SEED = 20261127
#: States a delivery row may rest in once nothing more will happen to it.
FINAL_STATES = frozenset({"sent", "failed", "skipped", "uncertain", "cancelled"})


def seed() -> int:
    return int(os.environ.get("TORTURE_SEED", DEFAULT_SEED))


# --- a console process on a pipe ----------------------------------------------------------------


class ConsoleProcess:
    """``python -m bot.cli console --db F`` with a fed stdin and a line queue for stdout."""

    def __init__(self, db: Path, cwd: Path, lines: Sequence[str], *, close_stdin: bool) -> None:
        env = child_env()
        self._stderr = open(cwd / "stderr.log", "ab")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "console", "--db", str(db)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, cwd=cwd, env=env,
            text=True, encoding="utf-8", bufsize=1,
        )
        self.output: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True)
        self._feeder = threading.Thread(target=self._feed, args=(self.proc.stdin, list(lines), close_stdin),
                                        daemon=True)
        self._reader.start()
        self._feeder.start()

    def _read(self, stream: IO[str]) -> None:
        try:
            for line in stream:
                self.output.put(line)
        except (OSError, ValueError):
            pass
        finally:
            self.output.put(None)

    @staticmethod
    def _feed(stream: IO[str], lines: list[str], close_stdin: bool) -> None:
        try:
            for line in lines:
                stream.write(line + "\n")
            stream.flush()
            if close_stdin:
                stream.close()
        except (OSError, ValueError):
            pass  # the process was killed while we were writing

    def next_line(self, timeout: float = 30.0) -> str | None:
        """The next output line (None at end of output); fails the test after ``timeout`` seconds."""
        try:
            return self.output.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"the console printed nothing for {timeout} s") from None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)

    def drain(self, timeout: float = 30.0) -> list[str]:
        """Whatever else the process printed before it ended."""
        rest = []
        while (line := self.next_line(timeout)) is not None:
            rest.append(line)
        return rest

    def close(self) -> int:
        self.kill()
        code = self.proc.wait(timeout=30)
        self._reader.join(timeout=30)
        self._feeder.join(timeout=30)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._stderr.close()
        return code


# --- an in-process bot that can be stopped and started on one file ------------------------------


@dataclass
class KeyLog:
    """What the platform has received, across restarts: the platform outlives the bot."""

    keys: list[str] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        return Counter(self.keys)


class LoggingTransport:
    platform = "test"

    def __init__(self, log: KeyLog) -> None:
        self.log = log

    async def send(self, target: Target, reply: Reply, *, key: str) -> str | None:
        self.log.keys.append(key)
        return f"m{len(self.log.keys)}"


class FlakyTransport:
    """A platform that fails a share of sends, loses some answers, and answers 429 in bursts.

    Outcomes are a function of (seed, key, attempt) and of the fake time (bursts), not of the order
    in which concurrent sends happen to arrive, so a run is reproducible from its seed.
    """

    platform = "test"

    def __init__(self, log: KeyLog, clock: FakeClock, seed: int, *, fail: float = 0.20, timeout_lost: float = 0.05,
                 timeout_arrived: float = 0.05, burst: float = 0.15) -> None:
        self.log = log
        self.clock = clock
        self.seed = seed
        self.fail, self.timeout_lost, self.timeout_arrived, self.burst = fail, timeout_lost, timeout_arrived, burst
        self.burst_until = clock.now()
        self.attempts: Counter[str] = Counter()
        self.rate_limited: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()

    def _roll(self, *parts: object) -> float:
        digest = hashlib.sha256(":".join(map(str, (self.seed, *parts))).encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    async def send(self, target: Target, reply: Reply, *, key: str) -> str | None:
        self.attempts[key] += 1
        now = self.clock.now()
        # A burst of 429s starts at some instants (the same for every send at that instant) and
        # answers everything until it ends.
        if now >= self.burst_until and self._roll("burst", now.isoformat()) < self.burst:
            self.burst_until = now + timedelta(seconds=10 + 290 * self._roll("length", now.isoformat()))
        if now < self.burst_until:
            self.outcomes["429"] += 1
            self.rate_limited[key] += 1
            raise DeliveryFailed("429 Too Many Requests", retry_after=(self.burst_until - now).total_seconds())
        roll = self._roll(key, self.attempts[key])
        if roll < self.fail:
            self.outcomes["5xx"] += 1
            raise DeliveryFailed("503 Service Unavailable")
        roll -= self.fail
        if roll < self.timeout_lost:
            self.outcomes["timeout-lost"] += 1
            raise DeliveryFailed("timed out before the request was sent")
        roll -= self.timeout_lost
        if roll < self.timeout_arrived:
            self.outcomes["timeout-arrived"] += 1
            self.log.keys.append(key)
            raise DeliveryUncertain("timed out after the request was sent")
        self.outcomes["ok"] += 1
        self.log.keys.append(key)
        return f"m{len(self.log.keys)}"


class Booted:
    """One life of the bot: Core + Postman + Runner on the shared file, with a shared platform."""

    def __init__(self, core: Core, postman: Postman, runner: Runner) -> None:
        self.core = core
        self.postman = postman
        self.runner = runner

    @classmethod
    async def boot(cls, config: Config, db: Path, clock: FakeClock, transport: object) -> Booted:
        core = await Core.open(config, db_path=db, clock=clock)
        postman = Postman(store=core.store, clock=clock, transports=[transport],  # type: ignore[list-item]
                          max_lateness=config.campaign.max_lateness)
        runner = Runner(store=core.store, clock=clock, config=config, postman=postman, sources=core.sources)
        try:
            await runner.start()
        except BaseException:
            await runner.close()
            await core.close()
            raise
        return cls(core, postman, runner)

    async def stop(self) -> None:
        await self.runner.close()
        await self.core.close()

    async def ask(self, name: str, text: str, *, organizer: bool = False, channel: str = "general") -> list[Reply]:
        actor = Actor("test", name, name.capitalize(), is_organizer=organizer)
        place = Place("test", channel, workspace_id="w1", channel_name=channel)
        replies = await self.core.dispatcher.dispatch(Invocation(actor, place, text, self.core.clock.now()))
        await self.runner.tick()
        return replies

    async def next_stop(self) -> datetime | None:
        async with self.core.store.snapshot() as tx:
            stops = [await tx.next_due(set(self.postman.transports)), await tx.next_timer()]
        found = [s for s in stops if s is not None]
        return min(found) if found else None

    async def run_until(self, clock: FakeClock, instant: datetime) -> int:
        """Like ``tests.conftest.Bot.run_until``: stop at every due time on the way; returns the ticks."""
        ticks = 0
        while True:
            stop = await self.next_stop()
            if stop is None or stop > instant:
                break
            clock.set(max(stop, clock.now()))
            await self.runner.tick()
            ticks += 1
            if ticks > 100_000:
                raise AssertionError("run_until is not making progress")
        clock.set(max(instant, clock.now()))
        await self.runner.tick()
        return ticks + 1

    async def rows(self) -> list[dict[str, object]]:
        async with self.core.store.snapshot() as tx:
            found = await tx.all("SELECT id, key, kind, state, attempts, due_at, expires_at, last_error "
                                 "FROM deliveries ORDER BY id")
        return [dict(r) for r in found]


def plus(instant: datetime, **kwargs: float) -> datetime:
    return instant + timedelta(**kwargs)
