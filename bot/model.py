"""The neutral messages that flow between adapters and the core.

Adapters turn a platform event into an ``Invocation`` and turn each ``Reply`` back into platform
calls; nothing else crosses the boundary. All of these are frozen: a reply can be rendered,
stored in the outbox, and rendered again after a restart.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

Visibility = Literal["private", "channel"]
ButtonStyle = Literal["primary", "secondary", "danger", "success"]

#: Every button id starts with this, so adapters can tell Turnout's buttons from anything else.
BUTTON_PREFIX = "turnout:"
#: Discord's custom_id limit is the tightest of the platforms.
MAX_BUTTON_ID = 100


@dataclass(frozen=True)
class Actor:
    """Who is speaking, as the platform reports it."""

    platform: str
    user_id: str
    display_name: str
    #: What the platform says about the person's rights (a role, a configured id list...).
    #: The core decides what that allows.
    is_organizer: bool = False


@dataclass(frozen=True)
class Place:
    """Where a command was typed."""

    platform: str
    channel_id: str
    workspace_id: str = ""
    channel_name: str = ""
    #: True for a direct-message conversation with the bot.
    is_direct: bool = False


@dataclass(frozen=True)
class Invocation:
    """One command as typed or clicked: the raw text is parsed by the core, not the adapter."""

    actor: Actor
    place: Place
    text: str
    at: datetime | None = None
    #: Arguments the platform already split by name (slash-command options, form fields): then
    #: ``text`` is only the command's name, and the core checks each value as if typed.
    options: Mapping[str, object] | None = None


@dataclass(frozen=True)
class Button:
    label: str
    #: The command a click runs, as it would be typed: ``"signup 42 speaker"``.
    action: str
    style: ButtonStyle = "primary"

    @property
    def custom_id(self) -> str:
        """A short stable id (``turnout:signup:42:speaker``) that survives restarts."""
        return BUTTON_PREFIX + ":".join(self.action.split())


def action_from_button_id(custom_id: str) -> str | None:
    """The command line behind a button id, or None for ids that are not Turnout's."""
    if not custom_id.startswith(BUTTON_PREFIX) or len(custom_id) > MAX_BUTTON_ID:
        return None
    parts = [p for p in custom_id[len(BUTTON_PREFIX) :].split(":") if p]
    return " ".join(parts) or None


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    inline: bool = True


@dataclass(frozen=True)
class Card:
    """A structured block: an event card on Discord becomes an embed, on Slack Block Kit."""

    title: str
    description: str = ""
    fields: tuple[Field, ...] = ()
    url: str = ""
    footer: str = ""
    #: The instant the card is about, so platforms that can show it in each reader's zone do.
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    event_id: int | None = None


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    content_type: str


@dataclass(frozen=True)
class Reply:
    """What the bot says back. ``text`` uses Turnout's small markup (see ``bot.markup``)."""

    text: str
    visibility: Visibility = "private"
    cards: tuple[Card, ...] = ()
    buttons: tuple[Button, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    #: Set on replies that name a problem, so adapters can style them.
    is_error: bool = False
    #: A platform user id the bot deliberately pings (a reminder that could not go by DM).
    #: Everything else in a reply never pings anyone.
    mention: str = ""
    #: What platforms that draw ``cards`` show instead of ``text`` when ``text`` only repeats the
    #: cards (None: show ``text``). ``text`` stays whole for the console and notifications.
    summary: str | None = None

    @property
    def beside_cards(self) -> str:
        """The text to show next to the drawn cards."""
        return self.text if self.summary is None or not self.cards else self.summary

    def to_json(self) -> str:
        """Serialise for the delivery outbox."""
        data = asdict(self)
        data["attachments"] = [
            {**a, "data": base64.b64encode(a["data"]).decode("ascii")} for a in data["attachments"]
        ]
        for card in data["cards"]:
            for key in ("starts_at", "ends_at"):
                if card[key] is not None:
                    card[key] = card[key].isoformat()
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> Reply:
        data: dict[str, Any] = json.loads(raw)
        cards = []
        for card in data.get("cards", []):
            for key in ("starts_at", "ends_at"):
                if card.get(key):
                    card[key] = datetime.fromisoformat(card[key])
            card["fields"] = tuple(Field(**f) for f in card.get("fields", []))
            cards.append(Card(**card))
        return cls(
            text=data["text"],
            visibility=data.get("visibility", "private"),
            cards=tuple(cards),
            buttons=tuple(Button(**b) for b in data.get("buttons", [])),
            attachments=tuple(
                Attachment(a["filename"], base64.b64decode(a["data"]), a["content_type"])
                for a in data.get("attachments", [])
            ),
            is_error=data.get("is_error", False),
            mention=data.get("mention", ""),
            summary=data.get("summary"),
        )


TargetKind = Literal["dm", "channel"]


@dataclass(frozen=True)
class Target:
    """Where an outgoing (not in-reply) message goes: a person's DMs or a linked channel."""

    platform: str
    kind: TargetKind
    #: The platform's user id for ``dm``, channel id for ``channel``.
    address: str
    workspace_id: str = ""
    #: For logs and the console: ``alice`` or ``#announcements``.
    label: str = ""

    def describe(self) -> str:
        if self.kind == "dm":
            return f"DM {self.label or self.address}"
        return f"#{self.label or self.address}"


@dataclass(frozen=True)
class Outgoing:
    """A message the core wants sent to someone other than the person it is answering."""

    target: Target
    reply: Reply
    #: Unique per logical message, so a retry or a restart never sends it twice.
    key: str
    person_id: int | None = None
    #: When it should go out (now, when None).
    due_at: datetime | None = None
    #: When it stops making sense (a reminder once its event starts); None: whenever it can go.
    expires_at: datetime | None = None
