"""Slash commands generated from the core's declarations, and slash options back into a line.

Nothing here is written per command: each ``Command`` becomes ``/<slash_name>`` with one option
per ``Param``. An invocation is turned back into the same text a person would type, with every
value passed as ``name:"value"``, so the core's parser does all the validation for every
platform alike.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from bot.commands import Command, Param, Registry

STRING = 3
INTEGER = 4
CHAT_INPUT = 1
#: Discord's bit for "Manage Events": organizers hold it in most servers.
MANAGE_EVENTS = 1 << 33
MAX_CHOICES = 25
MAX_STRING = 6000
def option(param: Param) -> dict[str, Any]:
    """One Discord option for a parameter; the core still checks every value."""
    data: dict[str, Any] = {"name": param.name, "description": param.help, "required": param.required}
    if param.kind == "int":
        data["type"] = INTEGER
        if param.min is not None:
            data["min_value"] = param.min
        if param.max is not None:
            data["max_value"] = param.max
    elif param.kind == "event":
        data.update(type=INTEGER, autocomplete=True, min_value=1)
    elif param.kind == "choice" and len(param.choices) <= MAX_CHOICES:
        data["type"] = STRING
        data["choices"] = [{"name": c, "value": c} for c in param.choices]
    else:
        data["type"] = STRING
        data["max_length"] = min(max(param.max_length, 1), MAX_STRING)
    return data


def command_payload(command: Command, *, organizer_role: str = "") -> dict[str, Any]:
    # Discord wants required options first; every value is passed by name, so order is free.
    params = sorted(command.params, key=lambda p: not p.required)
    data: dict[str, Any] = {
        "type": CHAT_INPUT,
        "name": command.slash_name,
        "description": command.summary,
        "options": [option(p) for p in params],
    }
    if command.organizer:
        # A configured role cannot be expressed as default permissions: then the command is shown
        # to everyone and the core refuses non-organizers.
        data["default_member_permissions"] = None if organizer_role else str(MANAGE_EVENTS)
        data["dm_permission"] = False
    return data


def commands_payload(registry: Registry, *, organizer_role: str = "") -> list[dict[str, Any]]:
    return [command_payload(c, organizer_role=organizer_role) for c in registry]


def commands_hash(payload: list[dict[str, Any]]) -> str:
    """A fingerprint of the declarations as Discord sees them: sync only when it changes."""
    raw = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def by_slash_name(registry: Registry) -> dict[str, Command]:
    return {c.slash_name: c for c in registry}


def option_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """Option values from an interaction's ``data`` (flat commands: no sub-command groups)."""
    return {o["name"]: o.get("value") for o in data.get("options", []) if "name" in o}


def focused_option(data: Mapping[str, Any]) -> tuple[str, str] | None:
    for o in data.get("options", []):
        if o.get("focused"):
            return str(o.get("name", "")), str(o.get("value", ""))
    return None
