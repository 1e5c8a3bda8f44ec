"""The campaign's records as the core sees them: plain frozen data read from the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

#: ``offered``: a freed spot is held for this person until they claim it or the offer expires.
SignupStatus = Literal["confirmed", "offered", "waitlisted", "cancelled"]
LinkPurpose = Literal["announcements", "reminders", "petition", "organizers"]
LINK_PURPOSES: tuple[LinkPurpose, ...] = ("announcements", "reminders", "petition", "organizers")
#: Display names are the platform's; they are kept short and single-line.
MAX_NAME = 80
#: What a phone's keyboard leaves after a number or a word (signup 3., mine?, Speakers.): not part of it.
TRAILING = ".!?,;"


@dataclass(frozen=True)
class Person:
    id: int
    platform: str
    user_id: str
    display_name: str
    tz: str | None
    reminders: bool

    @classmethod
    def unsaved(cls, platform: str, user_id: str, display_name: str) -> Person:
        """Someone the bot does not store (yet): stored only along with something kept about them."""
        return cls(0, platform, user_id, display_name, None, True)

    @property
    def saved(self) -> bool:
        return self.id != 0


@dataclass(frozen=True)
class Role:
    id: int
    event_id: int
    name: str
    #: None means unlimited.
    spots: int | None
    confirmed: int = 0
    waitlisted: int = 0
    #: Spots held for someone who was offered one and has not answered yet.
    offered: int = 0

    @property
    def open_spots(self) -> int | None:
        return None if self.spots is None else max(self.spots - self.confirmed - self.offered, 0)


@dataclass(frozen=True)
class Event:
    id: int
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    location: str
    about: str
    link: str
    status: str
    cancel_reason: str | None
    remind: str | None
    source_key: str | None
    roles: tuple[Role, ...] = ()
    #: The repeating series this is one date of, if any.
    series_id: int | None = None

    @property
    def is_cancelled(self) -> bool:
        return self.status == "cancelled"

    def role(self, name: str) -> Role | None:
        """The role of that name, as typed on a phone too: ``Speaker.``, ``speakers``."""
        wanted = name.lower()
        plain = wanted.rstrip(TRAILING)
        for candidate in (wanted, plain, plain[:-1] if plain.endswith("s") else None):
            for role in self.roles:
                if role.name == candidate:
                    return role
        return None

    def with_role(self, role: Role) -> Event:
        """A copy with ``role`` in place of the role of the same id (its counts changed).

        Made for every sign-up of a crowd, so it copies the fields directly: ``dataclasses.replace``
        would look them all up again each time. The copy is new, so setting a field on it before
        anyone else holds it keeps the "frozen" promise."""
        fresh = object.__new__(Event)
        fresh.__dict__.update(self.__dict__)
        fresh.__dict__["roles"] = tuple(role if r.id == role.id else r for r in self.roles)
        return fresh


@dataclass(frozen=True)
class Signup:
    id: int
    event_id: int
    person: Person
    role: str
    status: SignupStatus
    signed_up_at: datetime
    checked_in_at: datetime | None
    #: Place in the role's waitlist (1 = next), for waitlisted sign-ups.
    position: int | None = None
    offer_expires_at: datetime | None = None
    reconfirmed_at: datetime | None = None


@dataclass(frozen=True)
class SignupResult:
    event: Event
    role: str
    status: SignupStatus
    position: int | None
    already: bool
    #: Reminders planned for the person by this sign-up.
    reminders: int = 0
    #: The person as stored now (looked up, or stored, by the sign-up itself).
    person: Person | None = None


@dataclass(frozen=True)
class Promotion:
    """Someone moved up from the waitlist: confirmed at once, or offered the spot to claim."""

    person: Person
    role: str
    signup_id: int
    offered: bool = False
    expires_at: datetime | None = None


@dataclass(frozen=True)
class CancelResult:
    event: Event
    role: str
    was: SignupStatus
    role_id: int

    @property
    def freed_a_spot(self) -> bool:
        return self.was in ("confirmed", "offered")


@dataclass(frozen=True)
class Petition:
    id: int
    name: str
    goal: int
    online: int
    paper: int
    link: str
    source: str
    poll_minutes: int = 10
    #: Organizer-chosen milestones (``"750,1000"``); None means the default ladder.
    milestones: str | None = None
    milestone_announced: int = 0
    goal_announced: bool = False
    failures: int = 0
    failure_reported: bool = False
    last_error: str | None = None

    @property
    def total(self) -> int:
        return self.online + self.paper


@dataclass(frozen=True)
class ChannelLink:
    id: int
    purpose: LinkPurpose
    platform: str
    workspace_id: str
    channel_id: str
    label: str


@dataclass(frozen=True)
class Delivery:
    id: int
    key: str
    kind: str
    platform: str
    target_kind: str
    address: str
    workspace_id: str
    label: str
    person_id: int | None
    event_id: int | None
    payload: str
    due_at: datetime
    state: str
    attempts: int
    last_error: str | None
    #: Past this it is skipped, not sent (see ``Outgoing.expires_at``).
    expires_at: datetime | None = None
