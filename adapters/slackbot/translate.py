"""Slack payloads into neutral Invocations: pure functions, tested without a network.

Slack escapes ``&``, ``<`` and ``>`` in slash-command text; we undo that so the core stores what
the person typed, and the renderer escapes it again on the way out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from adapters.slackbot.mrkdwn import unescape
from bot.model import Actor, Invocation, Place, action_from_button_id

PLATFORM = "slack"
#: The slash command the manifest declares.
COMMAND = "/turnout"


def command_text(raw: str) -> str:
    """The core command line behind ``/turnout <raw>``; bare ``/turnout`` means ``help``."""
    text = unescape(raw or "").strip()
    return text or "help"


def wants_event_modal(text: str) -> bool:
    """``/turnout event add`` with nothing after it opens the form instead of a usage error."""
    return [w.lower() for w in text.split()] == ["event", "add"]


def _is_dm(channel_id: str, channel_name: str) -> bool:
    return channel_id.startswith("D") or channel_name == "directmessage"


def slash_place(body: dict[str, Any]) -> Place:
    channel_id = str(body.get("channel_id", ""))
    name = str(body.get("channel_name", ""))
    return Place(PLATFORM, channel_id, workspace_id=str(body.get("team_id", "")),
                 channel_name="" if name in ("directmessage", "privategroup") else name,
                 is_direct=_is_dm(channel_id, name))


def slash_invocation(body: dict[str, Any], *, is_organizer: bool, at: datetime | None = None) -> Invocation:
    actor = Actor(PLATFORM, str(body["user_id"]), str(body.get("user_name") or body["user_id"]),
                  is_organizer=is_organizer)
    return Invocation(actor, slash_place(body), command_text(str(body.get("text", ""))), at)


def interaction_actor(body: dict[str, Any], *, is_organizer: bool) -> Actor:
    user = body.get("user") or {}
    name = user.get("name") or user.get("username") or user["id"]
    return Actor(PLATFORM, str(user["id"]), str(name), is_organizer=is_organizer)


def interaction_place(body: dict[str, Any]) -> Place:
    """Where a click happened: the message's channel, or the clicker's DM side for the App Home."""
    team = str((body.get("team") or {}).get("id", ""))
    channel = body.get("channel") or {}
    if channel.get("id"):
        channel_id, name = str(channel["id"]), str(channel.get("name", ""))
        return Place(PLATFORM, channel_id, workspace_id=team,
                     channel_name="" if name in ("directmessage", "privategroup") else name,
                     is_direct=_is_dm(channel_id, name))
    user_id = str((body.get("user") or {}).get("id", ""))
    return Place(PLATFORM, user_id, workspace_id=team, is_direct=True)


def action_invocation(body: dict[str, Any], action: dict[str, Any], *, is_organizer: bool,
                      at: datetime | None = None) -> Invocation | None:
    """A button click as the command its id carries; None for buttons that are not Turnout's."""
    text = action_from_button_id(str(action.get("action_id", "")))
    if text is None:
        return None
    return Invocation(interaction_actor(body, is_organizer=is_organizer), interaction_place(body), text, at)


def from_home(body: dict[str, Any]) -> bool:
    return (body.get("view") or {}).get("type") == "home"
