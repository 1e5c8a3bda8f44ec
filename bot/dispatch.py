"""The one door into the core: an Invocation in, replies out, every error turned into words here."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

from bot.clock import Clock
from bot.commands import Command, Registry
from bot.config import Config
from bot.context import Context
from bot.domain import MAX_NAME, Person
from bot.errors import PermissionDenied, TurnoutError, UsageError
from bot.gateway import Sources
from bot.markup import esc
from bot.model import Invocation, Reply
from bot.store import Store, StoreError
from bot.store.people import find_person, upsert_person
from bot.textparse import Parsed, RecentLines, Token, bind, bind_options, match_line, near_miss

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        config: Config,
        registry: Registry,
        on_queued: Callable[[], None] | None = None,
        sources: Sources | None = None,
    ) -> None:
        self.sources = sources
        self.store = store
        self.clock = clock
        self.config = config
        self.registry = registry
        self._lines = RecentLines()
        #: Called after a command queued outgoing messages (the runtime wakes the postman).
        self.on_queued = on_queued

    async def dispatch(self, invocation: Invocation) -> list[Reply]:
        """Run one command. Never raises: problems become a friendly reply."""
        try:
            return await self._run(invocation)
        except TurnoutError as exc:
            return [error_reply(exc)]
        except StoreError as exc:  # the database could not take the change: nothing happened, say so
            log.warning("command not saved: %s (%s)", exc, _named(invocation))
            return [Reply("Sorry, I couldn't save that just now, so nothing changed. Please try again in a "
                          "moment.", is_error=True)]
        except Exception:
            incident = secrets.token_hex(4)
            log.exception("command failed (incident %s): %s", incident, _named(invocation))
            return [Reply(f"Sorry, something went wrong on my side. An organizer can look up incident "
                          f"`{incident}` in the bot's log.", is_error=True)]

    async def _run(self, invocation: Invocation) -> list[Reply]:
        typed = invocation.options is None
        parsed = self._lines.get(invocation.text) if typed else None
        if parsed is None:
            parsed = self._parse(invocation)
            if typed:
                self._lines.keep(invocation.text, parsed)
        command, args = parsed.command, parsed.args
        if command.organizer and not invocation.actor.is_organizer:
            raise PermissionDenied(f"`{command.name}` is for organizers only.")
        if command.finds_asker:
            actor = invocation.actor
            person = Person.unsaved(actor.platform, actor.user_id, _name(actor.display_name))
        else:
            person = await self._person(invocation, store_new=command.stores_asker)
        ctx = Context(invocation, person, self.store, self.clock, self.config, self.registry, self.sources)
        result = await command.handler(ctx, args)
        if ctx.queued_total and self.on_queued is not None:
            self.on_queued()
        return result if isinstance(result, list) else [result]

    def _parse(self, invocation: Invocation) -> Parsed:
        """The command and its arguments, or the reason they can't be read: whether the command is
        for organizers is said before what is wrong with its arguments."""
        command, rest = match_line(invocation.text, self.registry)
        if command.organizer and not invocation.actor.is_organizer:
            raise PermissionDenied(f"`{command.name}` is for organizers only.")
        options = invocation.options
        try:
            args = bind(command, rest) if options is None else bind_options(command, options)
        except UsageError as exc:  # `event cancle 3` reads as `event` with odd arguments: name the likely slip
            meant = near_miss(invocation.text.lstrip("/").split(), self.registry) if options is None else None
            swapped = _swapped(command, rest) if options is None else None
            if swapped is not None:  # signup speaker 3
                raise UsageError(f"{exc.message} Did you mean `{swapped}`?", usage=command.usage) from None
            if meant is None or meant == command.name:
                raise
            raise UsageError(f"{exc.message} Did you mean `{meant}`?",
                             usage=self.registry.commands[meant].usage) from None
        return Parsed(command, args)

    async def _person(self, invocation: Invocation, *, store_new: bool) -> Person:
        actor = invocation.actor
        name = _name(actor.display_name)
        found = await self.store.read(find_person, actor.platform, actor.user_id)
        if found is not None and (found.display_name == name or not name):
            return found  # a platform that does not say the name keeps the one we know
        name = name or actor.user_id[:MAX_NAME]
        if found is None and not store_new:
            return Person.unsaved(actor.platform, actor.user_id, name)
        return await self.store.apply(upsert_person, actor.platform, actor.user_id, name, self.clock.now())


def _swapped(command: Command, rest: list[Token]) -> str | None:
    """The line with its two arguments the other way round, when only that way they fit."""
    if len(rest) != 2 or any(t.quoted for t in rest):
        return None
    try:
        bind(command, [rest[1], rest[0]])
    except TurnoutError:
        return None
    return f"{command.name} {rest[1].text} {rest[0].text}"


def _name(display_name: str) -> str:
    return " ".join(display_name.split())[:MAX_NAME]


def _named(invocation: Invocation) -> str:
    """What a log line says of a command: its first word, never what follows (names, drafts, links)."""
    words = invocation.text.split(maxsplit=1)
    return repr(words[0][:40]) if words else "(empty)"


def error_reply(exc: TurnoutError) -> Reply:
    text = f"{exc.prefix}: {exc.message}"
    if exc.usage:
        text += f"\nUsage: `{esc(exc.usage)}`"
    return Reply(text, is_error=True)
