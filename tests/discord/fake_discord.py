"""A Discord-compatible fake (gateway + REST) on 127.0.0.1 for driving the real discord.py.

It speaks just enough of Discord for Turnout and enforces the limits that real Discord enforces
by refusing the request: the 3-second acknowledgement window, 2,000 characters of content, embed
sizes, 5 rows of 5 buttons, custom_id and label lengths, 25 autocomplete choices. Every refusal
is also recorded in ``problems`` and the test fixture fails the test if any is left there, so a
breach can never pass quietly.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

EPHEMERAL = 1 << 6
ACK_WINDOW = 3.0
MANAGE_EVENTS = 1 << 33
VIEW_AND_SEND = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 31)
_NAME = re.compile(r"^[-_a-z0-9]{1,32}$")


@dataclass
class FakeUser:
    id: int
    name: str
    roles: tuple[int, ...] = ()
    permissions: int = VIEW_AND_SEND
    dms_open: bool = True

    def json(self) -> dict[str, Any]:
        return {"id": str(self.id), "username": self.name, "global_name": self.name.title(),
                "discriminator": "0", "avatar": None, "bot": False}


@dataclass
class FakeInteraction:
    id: int
    token: str
    type: int
    user: FakeUser
    channel_id: int
    created: float
    message_id: int | None = None
    #: The callback type Discord received (4, 5, 6, 7, 8), None while unanswered.
    response_type: int | None = None
    acked_after: float | None = None
    original_id: int | None = None
    deferred_filled: bool = False
    messages: list[int] = field(default_factory=list)
    choices: list[dict[str, Any]] = field(default_factory=list)


class FakeDiscord:
    app_id = 700_000_000_000_000_001
    bot_id = 700_000_000_000_000_002
    guild_id = 700_000_000_000_000_010
    organizer_role_id = 700_000_000_000_000_020

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.requests: list[tuple[float, str, str]] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.interactions: dict[int, FakeInteraction] = {}
        self.commands: list[dict[str, Any]] = []
        self.command_uploads = 0
        self.identifies = 0
        self.resumes = 0
        self.channels: dict[int, dict[str, Any]] = {}
        self.dm_channels: dict[int, int] = {}  # channel id -> user id
        self.users: dict[int, FakeUser] = {}
        self.nonces: dict[tuple[int, str], int] = {}
        self.duplicates_prevented = 0
        #: Answer the next N channel-message POSTs with a 429 (route bucket), like a busy Discord.
        self.throttle_next = 0
        self.throttled = 0
        #: Requests per second allowed outside interaction routes before a global 429.
        self.global_limit = 50
        self._ids = itertools.count(800_000_000_000_000_000)
        self._seq = 0
        self._ws: web.WebSocketResponse | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        for name in ("general", "announcements", "reminders"):
            cid = self.new_id()
            self.channels[cid] = {"id": str(cid), "type": 0, "name": name, "guild_id": str(self.guild_id),
                                  "position": len(self.channels), "permission_overwrites": []}

    # -- set-up ---------------------------------------------------------------------------

    def new_id(self) -> int:
        return next(self._ids)

    def channel(self, name: str) -> int:
        return next(int(c["id"]) for c in self.channels.values() if c.get("name") == name)

    def user(self, name: str, *, organizer: bool = False, role: bool = False, dms_open: bool = True) -> FakeUser:
        """A member of the fake server; ``organizer`` gives Manage Events, ``role`` the organizer role."""
        user = FakeUser(self.new_id(), name, (self.organizer_role_id,) if role else (),
                        VIEW_AND_SEND | (MANAGE_EVENTS if organizer else 0), dms_open)
        self.users[user.id] = user
        return user

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get("/gateway", self._gateway)
        api = "/api/v10"
        routes = [
            ("GET", "/users/@me", self._me),
            ("GET", "/oauth2/applications/@me", self._application),
            ("GET", "/gateway", self._gateway_info),
            ("PUT", "/applications/{app}/commands", self._put_commands),
            ("POST", "/interactions/{iid}/{token}/callback", self._callback),
            ("POST", "/webhooks/{app}/{token}", self._followup),
            ("PATCH", "/webhooks/{app}/{token}/messages/{mid}", self._edit_webhook_message),
            ("POST", "/users/@me/channels", self._create_dm),
            ("POST", "/channels/{cid}/messages", self._post_message),
        ]
        for method, path, handler in routes:
            app.router.add_route(method, api + path, handler)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- waiting --------------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[], Any], within: float = 10.0) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked after every request the fake handles)."""
        async with asyncio.timeout(within), self._changed:
            while not (result := predicate()):
                await self._changed.wait()
            return result

    # -- helpers --------------------------------------------------------------------------

    def problem(self, text: str) -> web.Response:
        self.problems.append(text)
        return self._json({"code": 50035, "message": f"Invalid Form Body: {text}", "errors": {}}, status=400)

    @staticmethod
    def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        # Exactly application/json: discord.py reads "; charset=utf-8" bodies as text.
        return web.Response(body=json.dumps(data).encode(), status=status, headers=headers,
                            content_type="application/json")

    @staticmethod
    def _error(status: int, code: int, message: str) -> web.Response:
        return FakeDiscord._json({"code": code, "message": message}, status=status)

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        now = asyncio.get_running_loop().time()
        path = request.path
        self.requests.append((now, request.method, path))
        bot_route = "/interactions/" not in path and "/webhooks/" not in path and path != "/gateway"
        if bot_route:
            if request.headers.get("Authorization") != "Bot test-token":
                return self._error(401, 0, "401: Unauthorized")
            recent = [t for t, _, p in self.requests
                      if now - t < 1.0 and "/interactions/" not in p and "/webhooks/" not in p and p != "/gateway"]
            if len(recent) > self.global_limit:
                self.problems.append(f"global rate limit: {len(recent)} requests in one second")
                return self._json({"message": "You are being rate limited.", "retry_after": 0.05, "global": True},
                                  status=429, headers={"Via": "1.1 google", "Retry-After": "1",
                                                       "X-RateLimit-Global": "true", "X-RateLimit-Scope": "global"})
        try:
            return await handler(request)
        finally:
            await self._notify()

    async def _body(self, request: web.Request) -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            payload = json.loads(str(form["payload_json"]))
            files = [(f.filename, f.file.read()) for k, f in form.items() if k.startswith("files[")]  # type: ignore
            return payload, files
        return (await request.json()) if request.can_read_body else {}, []

    def _message(self, channel_id: int, data: dict[str, Any], files: list[tuple[str, bytes]], *,
                 flags: int = 0, interaction: FakeInteraction | None = None) -> dict[str, Any]:
        mid = self.new_id()
        message = {
            "id": str(mid), "channel_id": str(channel_id), "type": 0 if interaction is None else 20,
            "author": {"id": str(self.bot_id), "username": "turnout", "discriminator": "0", "avatar": None,
                       "bot": True},
            "content": data.get("content") or "", "embeds": data.get("embeds") or [],
            "components": data.get("components") or [],
            "attachments": [{"id": str(self.new_id()), "filename": name, "size": len(blob), "url": "http://x/",
                             "proxy_url": "http://x/"} for name, blob in files],
            "timestamp": datetime.now(UTC).isoformat(), "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": [], "mention_roles": [], "pinned": False,
            "flags": flags | int(data.get("flags") or 0),
            # Fake-only bookkeeping, for assertions.
            "_files": dict(files), "_allowed_mentions": data.get("allowed_mentions"),
            "_nonce": data.get("nonce"), "_interaction": interaction.id if interaction else None,
        }
        if channel_id in self.channels:
            message["guild_id"] = str(self.guild_id)
        self.messages[mid] = message
        if interaction is not None:
            interaction.messages.append(mid)
        return message

    @staticmethod
    def public(message: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in message.items() if not k.startswith("_")}

    # -- limits ---------------------------------------------------------------------------

    def check_message(self, data: dict[str, Any]) -> str | None:
        """Discord's message limits; the first one broken, or None."""
        if len(data.get("content") or "") > 2000:
            return f"content is {len(data['content'])} characters (max 2000)"
        if "allowed_mentions" not in data:
            return "no allowed_mentions: user text could ping"
        embeds = data.get("embeds") or []
        if len(embeds) > 10:
            return f"{len(embeds)} embeds (max 10)"
        total = 0
        for embed in embeds:
            for key, limit in (("title", 256), ("description", 4096)):
                if len(embed.get(key) or "") > limit:
                    return f"embed {key} over {limit}"
            fields = embed.get("fields") or []
            if len(fields) > 25:
                return f"{len(fields)} embed fields (max 25)"
            for f in fields:
                if not f.get("name") or not f.get("value") or len(f["name"]) > 256 or len(f["value"]) > 1024:
                    return f"bad embed field {f!r}"
            footer = (embed.get("footer") or {}).get("text") or ""
            if len(footer) > 2048:
                return "embed footer over 2048"
            total += len(embed.get("title") or "") + len(embed.get("description") or "") + len(footer)
            total += sum(len(f["name"]) + len(f["value"]) for f in fields)
        if total > 6000:
            return f"embeds total {total} characters (max 6000)"
        rows = data.get("components") or []
        if len(rows) > 5:
            return f"{len(rows)} component rows (max 5)"
        for row in rows:
            buttons = row.get("components") or []
            if row.get("type") != 1 or not 1 <= len(buttons) <= 5:
                return f"bad action row with {len(buttons)} components"
            for button in buttons:
                custom_id = button.get("custom_id") or ""
                if button.get("style") != 5 and not 1 <= len(custom_id) <= 100:
                    return f"custom_id of {len(custom_id)} characters"
                if len(button.get("label") or "") > 80:
                    return "button label over 80"
        if not (data.get("content") or embeds or data.get("attachments") or rows):
            return "empty message"
        return None

    # -- gateway --------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.add(ws)
        try:
            await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None}))
            async for frame in ws:
                if frame.type is not WSMsgType.TEXT:
                    continue
                msg = json.loads(frame.data)
                if msg["op"] == 1:
                    await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
                elif msg["op"] == 2:
                    self.identifies += 1
                    self._ws = ws
                    await self._ready(ws)
                elif msg["op"] == 6:
                    self.resumes += 1
                    self._ws = ws
                    await self._send(ws, "RESUMED", {})
                await self._notify()
        finally:
            self._sockets.discard(ws)
            if self._ws is ws:
                self._ws = None
            await self._notify()
        return ws

    async def _send(self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        self._seq += 1
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": self._seq, "d": data}))

    async def _ready(self, ws: web.WebSocketResponse) -> None:
        me = {"id": str(self.bot_id), "username": "turnout", "discriminator": "0", "avatar": None, "bot": True}
        await self._send(ws, "READY", {
            "v": 10, "user": me, "session_id": "fake-session", "resume_gateway_url": self.gateway_url,
            "guilds": [{"id": str(self.guild_id), "unavailable": True}],
            "application": {"id": str(self.app_id), "flags": 0}, "private_channels": [], "relationships": [],
        })
        roles = [
            {"id": str(self.guild_id), "name": "@everyone", "permissions": str(VIEW_AND_SEND), "position": 0,
             "color": 0, "hoist": False, "managed": False, "mentionable": False},
            {"id": str(self.organizer_role_id), "name": "Organizers", "permissions": str(VIEW_AND_SEND),
             "position": 1, "color": 0, "hoist": False, "managed": False, "mentionable": False},
        ]
        await self._send(ws, "GUILD_CREATE", {
            "id": str(self.guild_id), "name": "Durham Coalition", "owner_id": str(self.bot_id), "roles": roles,
            "channels": list(self.channels.values()), "members": [], "member_count": 3, "emojis": [],
            "stickers": [], "features": [], "threads": [], "voice_states": [], "presences": [],
            "large": False, "unavailable": False, "joined_at": datetime.now(UTC).isoformat(),
        })

    @property
    def connected(self) -> bool:
        return self._ws is not None and not self._ws.closed

    async def reconnect_request(self) -> None:
        """Ask the client to reconnect (op 7); it should come back with RESUME."""
        assert self._ws is not None
        await self._ws.send_str(json.dumps({"op": 7, "d": None, "s": None, "t": None}))

    # -- interactions ---------------------------------------------------------------------

    def _interaction_payload(self, inter: FakeInteraction, data: dict[str, Any],
                             message: dict[str, Any] | None) -> dict[str, Any]:
        channel = self.channels[inter.channel_id]
        payload: dict[str, Any] = {
            "id": str(inter.id), "application_id": str(self.app_id), "type": inter.type, "data": data,
            "guild_id": str(self.guild_id), "channel_id": str(inter.channel_id), "channel": channel,
            "member": {"user": inter.user.json(), "roles": [str(r) for r in inter.user.roles],
                       "permissions": str(inter.user.permissions), "joined_at": "2026-01-01T00:00:00+00:00",
                       "deaf": False, "mute": False, "flags": 0, "nick": None},
            "token": inter.token, "version": 1, "app_permissions": str(VIEW_AND_SEND), "locale": "en-US",
            "guild_locale": "en-US", "attachment_size_limit": 25 * 1024 * 1024, "entitlements": [],
            "authorizing_integration_owners": {"0": str(self.guild_id)}, "context": 0,
        }
        if message is not None:
            payload["message"] = self.public(message)
        return payload

    async def interact(self, itype: int, data: dict[str, Any], user: FakeUser, *, channel: str = "general",
                       message: dict[str, Any] | None = None, iid: int | None = None) -> FakeInteraction:
        """Send an INTERACTION_CREATE (2 command, 3 component, 4 autocomplete) and start its 3 s clock."""
        assert self._ws is not None, "no client connected"
        iid = iid or self.new_id()
        inter = FakeInteraction(iid, f"token-{iid}", itype, user, self.channel(channel),
                                asyncio.get_running_loop().time(),
                                message_id=int(message["id"]) if message else None)
        self.interactions[iid] = inter
        await self._send(self._ws, "INTERACTION_CREATE", self._interaction_payload(inter, data, message))
        return inter

    def _by_token(self, token: str) -> FakeInteraction | None:
        return next((i for i in self.interactions.values() if i.token == token), None)

    async def _callback(self, request: web.Request) -> web.Response:
        inter = self.interactions.get(int(request.match_info["iid"]))
        if inter is None or inter.token != request.match_info["token"]:
            return self._error(404, 10062, "Unknown interaction")
        elapsed = asyncio.get_running_loop().time() - inter.created
        if elapsed > ACK_WINDOW:
            self.problems.append(f"interaction {inter.id} acknowledged after {elapsed:.2f}s (max 3)")
            return self._error(404, 10062, "Unknown interaction")
        if inter.response_type is not None:
            self.problems.append(f"interaction {inter.id} acknowledged twice")
            return self._error(400, 40060, "Interaction has already been acknowledged.")
        body, files = await self._body(request)
        rtype, data = body["type"], body.get("data") or {}
        message: dict[str, Any] | None = None
        if rtype == 4:
            if (problem := self.check_message(data)) is not None:
                return self.problem(problem)
            message = self._message(inter.channel_id, data, files, interaction=inter)
            inter.original_id = int(message["id"])
        elif rtype == 5:
            message = self._message(inter.channel_id, {"content": ""}, [], flags=int(data.get("flags") or 0) | 128,
                                    interaction=inter)
            inter.original_id = int(message["id"])
        elif rtype == 7:
            if inter.type != 3 or inter.message_id is None:
                return self.problem("UPDATE_MESSAGE outside a component interaction")
            target = self.messages[inter.message_id]
            merged = {**self.public(target), **data, "allowed_mentions": data.get("allowed_mentions", {})}
            if (problem := self.check_message(merged)) is not None:
                return self.problem(problem)
            target.update({k: v for k, v in data.items() if k in ("content", "embeds", "components")})
            target["edited_timestamp"] = datetime.now(UTC).isoformat()
            message = target
        elif rtype == 8:
            choices = data.get("choices") or []
            if len(choices) > 25 or any(not 1 <= len(c["name"]) <= 100 for c in choices):
                return self.problem(f"bad autocomplete choices {choices!r}")
            inter.choices = choices
        elif rtype != 6:
            return self.problem(f"unknown callback type {rtype}")
        inter.response_type = rtype
        inter.acked_after = elapsed
        answer: dict[str, Any] = {"interaction": {
            "id": str(inter.id), "type": inter.type, "response_message_loading": rtype == 5,
            "response_message_ephemeral": bool(message and message["flags"] & EPHEMERAL),
        }}
        if message is not None:
            answer["interaction"]["response_message_id"] = message["id"]
            answer["resource"] = {"type": rtype, "message": self.public(message)}
        else:
            answer["resource"] = {"type": rtype}
        return self._json(answer)

    async def _followup(self, request: web.Request) -> web.Response:
        inter = self._by_token(request.match_info["token"])
        if inter is None or inter.response_type is None:
            self.problems.append("follow-up before the interaction was acknowledged")
            return self._error(404, 10015, "Unknown Webhook")
        body, files = await self._body(request)
        if (problem := self.check_message(body)) is not None:
            return self.problem(problem)
        if inter.response_type == 5 and not inter.deferred_filled:
            # Discord: the first follow-up after a deferred reply edits the "thinking" message,
            # keeping the ephemeral flag chosen when deferring.
            inter.deferred_filled = True
            original = self.messages[inter.original_id]  # type: ignore[index]
            original.update({k: body.get(k) or [] if k != "content" else body.get(k) or ""
                             for k in ("content", "embeds", "components")})
            original["flags"] &= ~128
            original["_files"] = dict(files)
            original["_allowed_mentions"] = body.get("allowed_mentions")
            return self._json(self.public(original))
        message = self._message(inter.channel_id, body, files, flags=int(body.get("flags") or 0), interaction=inter)
        return self._json(self.public(message))

    async def _edit_webhook_message(self, request: web.Request) -> web.Response:
        inter = self._by_token(request.match_info["token"])
        if inter is None or inter.response_type is None:
            return self._error(404, 10015, "Unknown Webhook")
        mid = request.match_info["mid"]
        if mid != "@original":
            target_id = int(mid)
        elif inter.response_type in (6, 7):
            target_id = inter.message_id  # type: ignore[assignment]
        else:
            target_id = inter.original_id  # type: ignore[assignment]
        body, files = await self._body(request)
        target = self.messages[target_id]
        merged = {**self.public(target), **body, "allowed_mentions": body.get("allowed_mentions", {})}
        if (problem := self.check_message(merged)) is not None:
            return self.problem(problem)
        target.update({k: v for k, v in body.items() if k in ("content", "embeds", "components")})
        target["edited_timestamp"] = datetime.now(UTC).isoformat()
        if inter.response_type == 5:
            inter.deferred_filled = True
            target["flags"] &= ~128
        return self._json(self.public(target))

    # -- bot-token REST -------------------------------------------------------------------

    async def _me(self, request: web.Request) -> web.Response:
        return self._json({"id": str(self.bot_id), "username": "turnout", "discriminator": "0", "avatar": None,
                           "bot": True, "global_name": None, "flags": 0})

    async def _application(self, request: web.Request) -> web.Response:
        owner = {"id": "1", "username": "owner", "discriminator": "0", "avatar": None}
        return self._json({"id": str(self.app_id), "name": "Turnout", "description": "", "icon": None,
                           "bot_public": True, "bot_require_code_grant": False, "owner": owner,
                           "verify_key": "0" * 64, "flags": 0, "summary": "", "team": None})

    async def _gateway_info(self, request: web.Request) -> web.Response:
        return self._json({"url": self.gateway_url})

    async def _put_commands(self, request: web.Request) -> web.Response:
        commands = await request.json()
        if len(commands) > 100:
            return self.problem(f"{len(commands)} global commands (max 100)")
        for command in commands:
            if not _NAME.match(command["name"]) or not 1 <= len(command["description"]) <= 100:
                return self.problem(f"bad command {command['name']!r}")
            options = command.get("options") or []
            if len(options) > 25:
                return self.problem(f"/{command['name']}: {len(options)} options")
            seen_optional = False
            for option in options:
                if not _NAME.match(option["name"]) or not 1 <= len(option["description"]) <= 100:
                    return self.problem(f"/{command['name']}: bad option {option['name']!r}")
                if option.get("required") and seen_optional:
                    return self.problem(f"/{command['name']}: required option after an optional one")
                seen_optional = seen_optional or not option.get("required")
                if len(option.get("choices") or []) > 25:
                    return self.problem(f"/{command['name']}: too many choices")
                if option.get("autocomplete") and option.get("choices"):
                    return self.problem(f"/{command['name']}: autocomplete with choices")
        self.command_uploads += 1
        self.commands = [{**c, "id": str(self.new_id()), "application_id": str(self.app_id), "version": "1"}
                         for c in commands]
        return self._json(self.commands)

    async def _create_dm(self, request: web.Request) -> web.Response:
        body = await request.json()
        user = self.users.get(int(body["recipient_id"]))
        if user is None:
            return self._error(400, 50033, "Invalid Recipient(s)")
        cid = next((c for c, u in self.dm_channels.items() if u == user.id), None) or self.new_id()
        self.dm_channels[cid] = user.id
        return self._json({"id": str(cid), "type": 1, "recipients": [user.json()], "last_message_id": None,
                           "flags": 0})

    async def _post_message(self, request: web.Request) -> web.Response:
        cid = int(request.match_info["cid"])
        if cid not in self.channels and cid not in self.dm_channels:
            return self._error(404, 10003, "Unknown Channel")
        if self.throttle_next > 0:
            self.throttle_next -= 1
            self.throttled += 1
            # A route-bucket 429 carries every rate-limit header (discord.py needs all or none).
            return self._json({"message": "You are being rate limited.", "retry_after": 0.02, "global": False},
                              status=429, headers={
                                  "Via": "1.1 google", "Retry-After": "1", "X-RateLimit-Limit": "5",
                                  "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "0.02",
                                  "X-RateLimit-Reset": f"{datetime.now(UTC).timestamp() + 0.02:.3f}",
                                  "X-RateLimit-Bucket": "fake-bucket", "X-RateLimit-Scope": "user"})
        if cid in self.dm_channels and not self.users[self.dm_channels[cid]].dms_open:
            return self._error(403, 50007, "Cannot send messages to this user")
        body, files = await self._body(request)
        if (problem := self.check_message(body)) is not None:
            return self.problem(problem)
        nonce = body.get("nonce")
        if nonce is not None:
            if len(str(nonce)) > 25:
                return self.problem(f"nonce {nonce!r} over 25 characters")
            if body.get("enforce_nonce") and (cid, str(nonce)) in self.nonces:
                self.duplicates_prevented += 1
                return self._json(self.public(self.messages[self.nonces[(cid, str(nonce))]]))
        message = self._message(cid, body, files)
        if nonce is not None:
            self.nonces[(cid, str(nonce))] = int(message["id"])
        return self._json(self.public(message))

    # -- reading what happened -------------------------------------------------------------

    def in_channel(self, name: str) -> list[dict[str, Any]]:
        cid = self.channel(name)
        return [m for m in self.messages.values() if int(m["channel_id"]) == cid and m["_interaction"] is None]

    def dms_to(self, user: FakeUser) -> list[dict[str, Any]]:
        cids = {c for c, u in self.dm_channels.items() if u == user.id}
        return [m for m in self.messages.values() if int(m["channel_id"]) in cids]

    def answers(self, inter: FakeInteraction) -> list[dict[str, Any]]:
        return [self.messages[m] for m in inter.messages]


def text_of(messages: list[dict[str, Any]]) -> str:
    """The content of several messages, as one string to search."""
    return "\n".join(m["content"] for m in messages)
