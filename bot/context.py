"""What a command handler gets: who asked, where, and the services to answer with."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.commands import Registry
from bot.config import Config
from bot.domain import Person
from bot.model import Invocation, Outgoing, Reply, Target
from bot.store import Store, Tx


@dataclass
class Context:
    invocation: Invocation
    person: Person
    store: Store
    clock: Clock
    config: Config
    registry: Registry
    #: Set when the command queued outgoing messages, so the postman is woken.
    queued: int = field(default=0)

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

    async def send_dm(self, tx: Tx, person: Person, reply: Reply, *, kind: str, event_id: int | None = None) -> None:
        """Queue a direct message in the same transaction as the change it reports."""
        out = Outgoing(dm_target(person), reply, key=f"{kind}:{person.id}:{secrets.token_hex(8)}",
                       person_id=person.id)
        if await tx.enqueue(out, kind=kind, now=self.now, event_id=event_id):
            self.queued += 1

    async def send_to_channels(self, tx: Tx, purpose: str, reply: Reply, *, kind: str) -> int:
        """Queue one post per channel linked for ``purpose``; returns how many."""
        links = await tx.linked_channels(purpose)  # type: ignore[arg-type]
        batch = secrets.token_hex(8)
        for link in links:
            target = Target(link.platform, "channel", link.channel_id, link.workspace_id, link.label)
            if await tx.enqueue(Outgoing(target, reply, key=f"{kind}:{batch}:{link.id}"), kind=kind, now=self.now):
                self.queued += 1
        return len(links)


def dm_target(person: Person) -> Target:
    return Target(person.platform, "dm", person.user_id, "", person.display_name)


def zone_of(person: Person, default: ZoneInfo) -> ZoneInfo:
    if person.tz:
        try:
            return ZoneInfo(person.tz)
        except (KeyError, ValueError):
            return default
    return default
