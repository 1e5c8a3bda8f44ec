"""The console adapter: Turnout in a terminal, or driven by a script on standard input.

Lines are commands; ``name: command`` acts as another person (created on first use). Buttons show
as numbered choices: type the number to press one. A DM's choices are its reader's until their next
command (``bo: 1`` presses the first button of the DM just shown to bo); otherwise a number presses
one of the last reply's or channel post's, which everyone at this terminal sees. Messages the bot sends to others (DMs,
channel posts) are printed with their target: ``[DM bob] ...``, ``[#general] ...``.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from bot.clock import Clock
from bot.config import Config
from bot.dispatch import Dispatcher
from bot.markup import to_plain
from bot.model import Actor, Attachment, Button, Invocation, Place, Reply, Target

PLATFORM = "console"
DEFAULT_PERSON = "you"
CHANNEL = "general"
_AS_PERSON = re.compile(r"^([A-Za-z][\w.-]{0,31}):\s+(.*)$", re.DOTALL)


def render(reply: Reply, *, files: Callable[[Attachment], Path] | None = None) -> list[str]:
    """A reply as terminal lines. Text always stands alone, so cards are not repeated."""
    lines = to_plain(reply.text).splitlines() or [""]
    if reply.mention:
        lines[0] = f"@{reply.mention} {lines[0]}"
    if reply.buttons:
        lines.append("  " + "  ".join(f"[{i}] {b.label}" for i, b in enumerate(reply.buttons, start=1)))
    for attachment in reply.attachments:
        where = files(attachment) if files else Path(attachment.filename)
        lines.append(f"  (file saved: {where})")
    return lines


class ConsoleTransport:
    """Prints outgoing messages; every console user reads the same terminal."""

    platform = PLATFORM

    def __init__(self, write: Callable[[str], None], save: Callable[[Attachment], Path],
                 offer: Callable[[tuple[Button, ...], str | None], None] = lambda buttons, to: None) -> None:
        self._write = write
        self._save = save
        self._offer = offer

    async def send(self, target: Target, reply: Reply, *, key: str) -> str | None:
        label = target.describe()
        for i, line in enumerate(render(reply, files=self._save)):
            self._write(f"[{label}] {line}" if i == 0 else f"{' ' * (len(label) + 3)}{line}")
        if reply.buttons:
            self._offer(reply.buttons, target.address if target.kind == "dm" else None)
        return key


class ConsoleChat:
    def __init__(
        self,
        *,
        dispatcher: Dispatcher,
        config: Config,
        clock: Clock,
        after_command: Callable[[], object] | None = None,
        out: TextIO | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.config = config
        self.clock = clock
        self.out = out or sys.stdout
        self.files_dir = Path(config.console.files_dir)
        self._after_command = after_command
        #: Numbered choices. Replies and channel posts are everyone's (they all read this terminal); a
        #: DM's are its reader's until their next command, and come first for them.
        self._shared: list[Button] = []
        self._dm_choices: dict[str, list[Button]] = {}
        self.transport = ConsoleTransport(self.write, self.save, self._offer)

    def _offer(self, buttons: Sequence[Button], to: str | None = None) -> None:
        if to is None:
            self._shared = list(buttons)
        else:
            self._dm_choices[to] = list(buttons)

    def choices(self, name: str) -> list[Button]:
        """The numbered choices ``name`` can press: their last DM's, else the last reply's."""
        return self._dm_choices.get(name) or self._shared

    def write(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def save(self, attachment: Attachment) -> Path:
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / attachment.filename
        stem, suffix, n = path.stem, path.suffix, 1
        while path.exists():
            n += 1
            path = self.files_dir / f"{stem}-{n}{suffix}"
        path.write_bytes(attachment.data)
        return path

    def actor(self, name: str) -> Actor:
        key = name.lower()
        organizer = key == DEFAULT_PERSON or key in self.config.console.organizers
        return Actor(PLATFORM, key, name, is_organizer=organizer)

    async def handle_line(self, line: str) -> None:
        text = line.strip()
        if not text or text.startswith("#"):
            return
        name = DEFAULT_PERSON
        m = _AS_PERSON.match(text)
        if m:
            name, text = m.group(1), m.group(2).strip()
        choices = self.choices(name.lower()) if text.isdigit() else []
        if choices:
            index = int(text) - 1
            if not 0 <= index < len(choices):
                self.write(f"There is no choice {text}; pick 1 to {len(choices)}.")
                return
            text = choices[index].action
        place = Place(PLATFORM, CHANNEL, channel_name=CHANNEL)
        replies = await self.dispatcher.dispatch(Invocation(self.actor(name), place, text, self.clock.now()))
        self._dm_choices.pop(name.lower(), None)
        self._offer([b for r in replies for b in r.buttons])
        for reply in replies:
            for out in render(reply, files=self.save):
                self.write(out)
        if self._after_command is not None:
            result = self._after_command()
            if asyncio.iscoroutine(result):
                await result

    async def run_script(self, stream: TextIO) -> None:
        """One command per line; each line is echoed so a transcript reads like a conversation."""
        while True:
            line = await read_line(stream.readline)
            if not line or _quits(line):
                return
            if line.strip() and not line.lstrip().startswith("#"):
                self.write(f"> {line.strip()}")
            await self.handle_line(line)

    async def run_interactive(self) -> None:
        self.write(f"{self.config.campaign.name} console. Type `help` for commands, `name: command` to act as "
                   "someone else, `quit` or Ctrl-D to quit.")
        while True:
            try:
                line = await read_line(lambda: input(f"{DEFAULT_PERSON}> "))
            except EOFError:
                self.write("")
                return
            if _quits(line):
                return
            await self.handle_line(line)


def _quits(line: str) -> bool:
    """``quit`` or ``exit`` typed alone ends the console (no command of the bot is called that)."""
    return line.strip().lower().lstrip("/") in ("quit", "exit")


async def read_line(read: Callable[[], str]) -> str:
    """``read()`` (a blocking read of standard input) on a daemon thread of its own.

    Not on asyncio's default executor: stopping (Ctrl-C, SIGTERM) waits for that executor's threads,
    and one blocked on the keyboard would keep the console open until the next Enter.
    """
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[str] = loop.create_future()

    def settle(value: str | None, error: BaseException | None) -> None:
        if answer.done():  # the console stopped waiting
            return
        if error is None:
            answer.set_result(value or "")
        else:
            answer.set_exception(error)

    def work() -> None:
        value: Any = None
        error: BaseException | None = None
        try:
            value = read()
        except BaseException as exc:  # EOFError above all; handed to the console to decide
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop is closed: the console has stopped
            loop.call_soon_threadsafe(settle, value, error)

    threading.Thread(target=work, name="turnout-console-input", daemon=True).start()
    return await answer
