"""Queueing messages to people and linked channels, inside the transaction of the change they report.

Commands (through ``Context``) and scheduled jobs (in ``tasks``) both write through a ``Notifier``:
the outbox row commits with the change or not at all, so a promotion is never made without its
notice, nor a notice sent for a change that rolled back.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config import Config
from bot.domain import ChannelLink, LinkPurpose, Person
from bot.model import Outgoing, Reply, Target
from bot.store import Tx


@dataclass
class Notifier:
    tx: Tx
    now: datetime
    config: Config
    #: How many outbox rows were queued or planned, so the caller knows to wake the runner (it sends what
    #: is due and sets its alarm for the earliest of the rest).
    queued: int = 0

    def tz_of(self, person: Person) -> ZoneInfo:
        return zone_of(person, self.config.campaign.tz)

    async def dm(
        self, person: Person, reply: Reply, *, kind: str, event_id: int | None = None, key: str | None = None,
        due_at: datetime | None = None, expires_at: datetime | None = None,
    ) -> None:
        out = Outgoing(dm_target(person), reply, key=key or f"{kind}:{person.id}:{secrets.token_hex(8)}",
                       person_id=person.id, due_at=due_at, expires_at=expires_at)
        if await self.tx.enqueue(out, kind=kind, now=self.now, event_id=event_id):
            self.queued += 1

    async def to_channels(
        self, purpose: LinkPurpose, reply: Reply, *, kind: str, key: str | None = None,
        due_at: datetime | None = None, event_id: int | None = None,
    ) -> int:
        """One post per channel linked for ``purpose``; returns how many channels there are."""
        links = await self.tx.linked_channels(purpose)
        batch = key or f"{kind}:{secrets.token_hex(8)}"
        for link in links:
            out = Outgoing(channel_target(link), reply, key=f"{batch}:ch{link.id}", due_at=due_at)
            if await self.tx.enqueue(out, kind=kind, now=self.now, event_id=event_id):
                self.queued += 1
        return len(links)


def channel_target(link: ChannelLink) -> Target:
    return Target(link.platform, "channel", link.channel_id, link.workspace_id, link.label)


def dm_target(person: Person) -> Target:
    return Target(person.platform, "dm", person.user_id, "", person.display_name)


def zone_of(person: Person, default: ZoneInfo) -> ZoneInfo:
    if person.tz:
        try:
            return ZoneInfo(person.tz)
        except (KeyError, ValueError):
            return default
    return default
