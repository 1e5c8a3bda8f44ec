"""Declaring commands once: the declaration drives the text parser, help, and platform menus.

A ``Command`` names its typed parameters, who may run it, and examples. ``Registry.add`` checks
every declaration as it is registered, so a bad one fails at start-up, not at the first message.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from bot.context import Context
    from bot.domain import Person
    from bot.model import Reply
    from bot.store import Tx

ParamKind = Literal["text", "words", "int", "choice", "event", "time", "duration", "zone", "offsets"]
Handler = Callable[["Context", dict[str, Any]], Awaitable["Reply | list[Reply]"]]

#: Discord's rule for command and option names (lower-case, 1-32 characters).
SLASH_NAME = re.compile(r"^[-_a-z0-9]{1,32}$")
_WORD = re.compile(r"^[a-z][a-z0-9-]*$")


@dataclass(frozen=True)
class Param:
    name: str
    kind: ParamKind
    help: str
    required: bool = True
    #: Only accepted as ``name:value``, never by position.
    keyword: bool = False
    choices: tuple[str, ...] = ()
    #: Inclusive bounds for ``int``; the longest text accepted for text kinds.
    min: int | None = None
    max: int | None = None
    max_length: int = 200

    @property
    def placeholder(self) -> str:
        value = "|".join(self.choices) if self.kind == "choice" else self.name
        if self.keyword:
            shown = f"{self.name}:<{value}>"
        elif self.required:
            shown = f"<{value}>"
        else:
            return f"[{value}]"
        return shown if self.required else f"[{shown}]"


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    handler: Handler
    params: tuple[Param, ...] = ()
    organizer: bool = False
    #: The dispatcher stores someone it does not know yet before the handler runs. False: the handler
    #: gets them unsaved (``Person.saved`` is False) and stores them only with something it keeps about
    #: them (``Context.stored_person``; a sign-up does it on the writer), or never (looking around). A
    #: handler that acts on what they may have (cancel, forget-me) looks them up in its transaction
    #: (``Context.known_person``): a first sign-up may have stored them since they asked.
    stores_asker: bool = True
    #: The handler looks the asker up itself, in its own unit of work, so the dispatcher spends no read
    #: on them: it gets them unsaved, named as the platform names them now ("" when it does not say).
    #: The sign-up does this on the writer, a crowd in one query.
    finds_asker: bool = False
    #: The dispatcher keeps the parse of its lines (``textparse.RecentLines``): a crowd sends the same
    #: one thousands of times. Only for commands whose lines name no person.
    remembered: bool = False
    examples: tuple[str, ...] = ()
    #: Extra explanation shown by ``help <command>``.
    details: str = ""

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.name.split())

    @property
    def slash_name(self) -> str:
        """The single-word name for platforms with flat command menus: ``event add`` -> ``event-add``."""
        return "-".join(self.words)

    @property
    def usage(self) -> str:
        return " ".join([self.name, *(p.placeholder for p in self.params)])

    @cached_property  # read for every command typed
    def positional(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if not p.keyword)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


class DeclarationError(Exception):
    """A command declaration is malformed: a programming error caught at start-up."""


#: Called inside the ``forget-me`` transaction before the person's row is deleted, so each feature
#: that keeps something about a person can clean up after it (free spots, cancel messages...).
ForgetHook = Callable[["Context", "Tx", "Person"], Awaitable[None]]


@dataclass
class Registry:
    commands: dict[str, Command] = field(default_factory=dict)
    forget_hooks: list[ForgetHook] = field(default_factory=list)

    def add(self, command: Command) -> Command:
        _check(command, self.commands)
        self.commands[command.name] = command
        return command

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.commands.values())

    def __len__(self) -> int:
        return len(self.commands)

    def get(self, name: str) -> Command | None:
        return self.commands.get(name)

    def match(self, words: list[str]) -> tuple[Command | None, int]:
        """The command named by the longest prefix of ``words``, and how many words it took."""
        for size in range(min(3, len(words)), 0, -1):
            command = self.commands.get(" ".join(words[:size]).lower())
            if command is not None:
                return command, size
        return None, 0


def _check(command: Command, existing: dict[str, Command]) -> None:
    where = f"command {command.name!r}"
    if command.name in existing:
        raise DeclarationError(f"{where} is declared twice")
    if not command.words or not all(_WORD.match(w) for w in command.words):
        raise DeclarationError(f"{where}: names are lower-case words")
    if not SLASH_NAME.match(command.slash_name):
        raise DeclarationError(f"{where}: {command.slash_name!r} breaks the 1-32 lower-case name rule")
    if not command.summary or len(command.summary) > 100:
        raise DeclarationError(f"{where}: a summary of 1-100 characters is needed (Discord's limit)")
    if command.finds_asker and command.stores_asker:
        raise DeclarationError(f"{where}: a command that finds its asker itself cannot also have them stored first")
    if len(command.params) > 25:
        raise DeclarationError(f"{where}: at most 25 parameters")
    seen: set[str] = set()
    for param in command.params:
        if not SLASH_NAME.match(param.name) or param.name in seen:
            raise DeclarationError(f"{where}: parameter {param.name!r} is badly named or repeated")
        seen.add(param.name)
        if not param.help or len(param.help) > 100:
            raise DeclarationError(f"{where}: parameter {param.name!r} needs help of 1-100 characters")
        if param.kind == "choice" and not param.choices:
            raise DeclarationError(f"{where}: choice parameter {param.name!r} has no choices")
    optional_seen = False
    for i, param in enumerate(command.positional):
        if param.kind == "words" and i != len(command.positional) - 1:
            raise DeclarationError(f"{where}: a greedy parameter must be the last positional one")
        if param.required and optional_seen:
            raise DeclarationError(f"{where}: required parameter {param.name!r} follows an optional one")
        optional_seen = optional_seen or not param.required
    for example in command.examples:
        if not example.startswith(command.name):
            raise DeclarationError(f"{where}: example {example!r} does not use the command")
