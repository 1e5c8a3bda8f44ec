"""What a command handler gets: who asked, where, and the services to answer with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.commands import Registry
from bot.config import Config
from bot.domain import Person
from bot.errors import Conflict
from bot.gateway import Sources
from bot.model import Invocation
from bot.notify import Notifier, zone_of
from bot.store import Store, Tx

__all__ = ["Context", "zone_of"]


@dataclass
class Context:
    invocation: Invocation
    person: Person
    store: Store
    clock: Clock
    config: Config
    registry: Registry
    #: Outside data (petition counts, calendars); None where the runtime has none.
    sources: Sources | None = None
    _notifiers: list[Notifier] = field(default_factory=list)
    _queued_directly: int = 0

    @property
    def now(self) -> datetime:
        return self.invocation.at or self.clock.now()

    @property
    def campaign_tz(self) -> ZoneInfo:
        return self.config.campaign.tz

    @property
    def tz(self) -> ZoneInfo:
        """The reader's display zone: their own if set, else the campaign's."""
        return zone_of(self.person, self.campaign_tz)

    @property
    def is_organizer(self) -> bool:
        return self.invocation.actor.is_organizer

    async def known_person(self, tx: Tx) -> Person:
        """The asker as stored now, if at all: someone unknown when they asked may have been stored
        since by another command of theirs (a first sign-up running at the same moment)."""
        if not self.person.saved:
            p = self.person
            self.person = await tx.find_person(p.platform, p.user_id) or p
        return self.person

    async def stored_person(self, tx: Tx) -> Person:
        """The asker, stored in ``tx`` first if the bot did not know them (with what is kept about them)."""
        if not self.person.saved:
            p = self.person
            self.person = await tx.upsert_person(p.platform, p.user_id, p.display_name, self.now)
        return self.person

    def notifier(self, tx: Tx) -> Notifier:
        """Queue messages in ``tx``; the dispatcher wakes the postman if any were queued."""
        notifier = Notifier(tx, self.now, self.config)
        self._notifiers.append(notifier)
        return notifier

    def need_sources(self) -> Sources:
        if self.sources is None:
            raise Conflict("Outside sources are not available in this mode.")
        return self.sources

    def count_queued(self, rows: int) -> None:
        """Outbox rows written without a notifier (a sign-up's reminders, planned on the writer's thread)."""
        self._queued_directly += rows

    @property
    def queued_total(self) -> int:
        """How many outbox rows the command queued or planned, so the runner is woken."""
        return self._queued_directly + sum(n.queued for n in self._notifiers)
