"""The ``event add`` form: a modal whose answers become the same command line an organizer types.

Going through the text parser keeps one source of truth for validation. The parser has no
escape for ``"`` inside a quoted value, so a typed ``"`` becomes ``'`` (noted in the report).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from adapters.slackbot.blocks import Block

CALLBACK_ID = "turnout-event-add"

#: (block id / parameter, label, placeholder, optional, multiline, max length)
FIELDS: tuple[tuple[str, str, str, bool, bool, int], ...] = (
    ("title", "Title", "Pack the chambers", False, False, 200),
    ("when", "Starts", "Dec 7 7pm, mon 7pm, 2026-12-07 19:00", False, False, 64),
    ("duration", "How long", "2h (leave empty for 2 hours)", True, False, 32),
    ("where", "Where", "101 City Hall Plaza", True, False, 200),
    ("spots", "Spots", "12 (leave empty for unlimited)", True, False, 6),
    ("roles", "Roles", "speaker=5,attendee (instead of spots)", True, False, 200),
    ("about", "Description", "What volunteers should know", True, True, 2000),
    ("link", "Link", "https://...", True, False, 500),
)


@dataclass(frozen=True)
class Origin:
    """Where the organizer typed ``/turnout event add``, carried through the modal's private_metadata."""

    channel_id: str
    channel_name: str = ""
    team_id: str = ""
    response_url: str = ""

    def dump(self) -> str:
        return json.dumps(self.__dict__, separators=(",", ":"))

    @classmethod
    def load(cls, raw: str) -> Origin:
        try:
            data = json.loads(raw or "{}")
            return cls(**{k: str(data.get(k, "")) for k in ("channel_id", "channel_name", "team_id", "response_url")})
        except (ValueError, TypeError):
            return cls("")


def event_add_view(origin: Origin) -> dict[str, Any]:
    blocks: list[Block] = []
    for name, label, placeholder, optional, multiline, max_length in FIELDS:
        blocks.append({
            "type": "input", "block_id": name, "optional": optional,
            "label": {"type": "plain_text", "text": label},
            "element": {"type": "plain_text_input", "action_id": "value", "multiline": multiline,
                        "max_length": max_length,
                        "placeholder": {"type": "plain_text", "text": placeholder}},
        })
    return {
        "type": "modal", "callback_id": CALLBACK_ID, "private_metadata": origin.dump(),
        "title": {"type": "plain_text", "text": "Add an event"},
        "submit": {"type": "plain_text", "text": "Add"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def submitted_values(view: dict[str, Any]) -> dict[str, str]:
    """The non-empty answers of a submitted view, by block id."""
    out: dict[str, str] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        value = (actions.get("value") or {}).get("value")
        if isinstance(value, str) and value.strip():
            out[block_id] = value.strip()
    return out


def error_block(message: str) -> str:
    """Which input an error from the core is about, so Slack shows it under that field."""
    lowered = message.lower()
    for name, *_ in FIELDS:
        if f"`{name}" in lowered or f"{name}:" in lowered:
            return name
    if any(word in lowered for word in ("past", "time", "date", "when")):
        return "when"
    return "title"
