"""Slack payloads as Slack sends them (recorded shapes, trimmed): slash commands, clicks, forms, events."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

from fake_slack import TEAM

_ids = itertools.count(1)


def next_id(prefix: str) -> str:
    return f"{prefix}{next(_ids)}"


def slack_escape(text: str) -> str:
    """Slack escapes these three in slash-command text before sending it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slash(user: str, name: str, text: str, *, channel: str, response_url: str,
          channel_name: str = "general") -> dict[str, str]:
    return {
        "token": "legacy", "team_id": TEAM, "team_domain": "turnout", "channel_id": channel,
        "channel_name": channel_name, "user_id": user, "user_name": name, "command": "/turnout",
        "text": slack_escape(text), "api_app_id": "A0TURNOUT", "is_enterprise_install": "false",
        "response_url": response_url, "trigger_id": next_id("trig-"),
    }


def _user(user: str, name: str) -> dict[str, str]:
    return {"id": user, "username": name, "name": name, "team_id": TEAM}


def click(user: str, name: str, action_id: str, *, channel: str | None, response_url: str | None,
          home: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "block_actions", "team": {"id": TEAM, "domain": "turnout"}, "user": _user(user, name),
        "api_app_id": "A0TURNOUT", "token": "legacy", "trigger_id": next_id("trig-"),
        "actions": [{"action_id": action_id, "block_id": "b1", "type": "button", "value": action_id,
                     "text": {"type": "plain_text", "text": "Sign up"}, "action_ts": "1.2"}],
    }
    if home:
        body["container"] = {"type": "view", "view_id": "VHOME"}
        body["view"] = {"id": "VHOME", "type": "home", "blocks": []}
    else:
        body["container"] = {"type": "message", "message_ts": "1.1", "channel_id": channel, "is_ephemeral": True}
        body["channel"] = {"id": channel, "name": "general"}
        body["response_url"] = response_url
    return body


def submission(user: str, name: str, view: dict[str, Any], answers: dict[str, str]) -> dict[str, Any]:
    values = {block: {"value": {"type": "plain_text_input", "value": value}} for block, value in answers.items()}
    return {
        "type": "view_submission", "team": {"id": TEAM, "domain": "turnout"}, "user": _user(user, name),
        "api_app_id": "A0TURNOUT", "token": "legacy", "trigger_id": next_id("trig-"),
        "view": {**view, "id": "V1", "state": {"values": values}},
    }


def home_opened(user: str) -> dict[str, Any]:
    return {
        "token": "legacy", "team_id": TEAM, "api_app_id": "A0TURNOUT", "type": "event_callback",
        "event_id": next_id("Ev"), "event_time": int(time.time()),
        "event": {"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home",
                  "event_ts": "1.1"},
    }


def encode(kind: str, payload: dict[str, Any]) -> tuple[bytes, str]:
    """The HTTP body Slack would POST for a payload, and its content type."""
    if kind == "slash_commands":
        return urlencode(payload).encode(), "application/x-www-form-urlencoded"
    if kind == "interactive":
        return urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded"
    return json.dumps(payload).encode(), "application/json"


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}
