"""A Slack-compatible fake on 127.0.0.1: the Web API methods Turnout calls, response_url sinks,
files upload v2, and a Socket Mode websocket that pushes envelopes and records acks.

It speaks Slack's wire format, not Turnout's, so the real slack-bolt and slack-sdk talk to it
unchanged. Failures are scripted per method with ``fail_next``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

BOT_TOKEN = "xoxb-test"
APP_TOKEN = "xapp-test"
TEAM = "T0TURNOUT"


async def eventually(check: Callable[[], Any], within: float = 5.0) -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the expected effect")
        await asyncio.sleep(0.01)


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str


@dataclass
class Failure:
    """A scripted answer for the next call of a method: a Slack error code, or an HTTP status."""

    error: str = ""
    status: int = 200
    retry_after: int | None = None
    #: Drop the connection after reading the request (Slack may or may not have acted on it).
    drop: bool = False


@dataclass
class Ack:
    envelope_id: str
    payload: dict[str, Any] | None
    at: float


@dataclass
class FakeSlack:
    calls: list[Call] = field(default_factory=list)
    #: response_url id -> bodies posted to it
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    uploads: dict[str, bytes] = field(default_factory=dict)
    acks: dict[str, Ack] = field(default_factory=dict)
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    fail_next: dict[str, list[Failure]] = field(default_factory=dict)
    #: How many websocket connections were opened (a reconnect makes two).
    connections: int = 0
    port: int = 0
    _runner: web.AppRunner | None = None
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))

    # ---- lifecycle

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/response/{rid}", self._response_url)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/link", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, rid: str) -> str:
        return f"{self.base}/response/{rid}"

    # ---- queries for tests

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def posts(self, rid: str) -> list[dict[str, Any]]:
        return self.responses.get(rid, [])

    def fail(self, method: str, *failures: Failure) -> None:
        self.fail_next.setdefault(method, []).extend(failures)

    # ---- Web API

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        for key in ("blocks", "view", "files"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    def _reply(self, data: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        return web.Response(body=json.dumps(data), status=status, headers=headers,
                            content_type="application/json")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        args = await self._args(request)
        self.calls.append(Call(method, args, token))
        scripted = self.fail_next.get(method)
        if scripted:
            failure = scripted.pop(0)
            if failure.drop:
                assert request.transport is not None
                request.transport.close()
                return web.Response()
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else None
            if failure.status != 200:
                return self._reply({"ok": False, "error": failure.error or "ratelimited"}, failure.status, headers)
            return self._reply({"ok": False, "error": failure.error})
        expected = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        if token != expected:
            return self._reply({"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "api_" + method.replace(".", "_"), None)
        if handler is None:
            return self._reply({"ok": False, "error": "unknown_method"})
        return self._reply({"ok": True, **handler(args)})

    def api_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": "https://turnout.example/", "team": "Turnout", "user": "turnout", "team_id": TEAM,
                "user_id": "UBOT", "bot_id": "BBOT"}

    def api_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        ts = f"{int(time.time())}.{next(self._ts):06d}"
        return {"channel": args["channel"], "ts": ts, "message": {"text": args.get("text"), "ts": ts}}

    def api_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"message_ts": f"{int(time.time())}.{next(self._ts):06d}"}

    def api_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"channel": args["channel"], "ts": args["ts"]}

    def api_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"channel": {"id": "D" + str(args["users"]).lstrip("UW")}}

    def api_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"view": {"id": "V1", **args["view"]}}

    def api_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"view": {"id": "VHOME", **args["view"]}}

    def api_usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"users": self.usergroups.get(args["usergroup"], [])}

    def api_apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": f"ws://127.0.0.1:{self.port}/link"}

    def api_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ts)}"
        return {"upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}

    def api_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"files": [{"id": f["id"], "title": f.get("title", "")} for f in args["files"]]}

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        return web.Response(text="OK - 1")

    async def _response_url(self, request: web.Request) -> web.Response:
        self.responses.setdefault(request.match_info["rid"], []).append(await request.json())
        return web.Response(text="ok")

    # ---- Socket Mode

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections += 1
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1}))
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    data = json.loads(message.data)
                    if "envelope_id" in data:
                        self.acks[data["envelope_id"]] = Ack(data["envelope_id"], data.get("payload"), time.monotonic())
        finally:
            self._sockets.remove(ws)
        return ws

    async def wait_connected(self, count: int = 1) -> None:
        await eventually(lambda: self.connections >= count and self._sockets)

    async def push(self, kind: str, payload: dict[str, Any], envelope_id: str) -> float:
        """Send an envelope on the newest connection; returns when it was sent (monotonic)."""
        ws = self._sockets[-1]
        await ws.send_str(json.dumps({"envelope_id": envelope_id, "type": kind, "payload": payload,
                                      "accepts_response_payload": kind != "events_api"}))
        return time.monotonic()

    async def ask_to_reconnect(self) -> None:
        await self._sockets[-1].send_str(json.dumps({"type": "disconnect", "reason": "refresh_requested"}))

    async def wait_ack(self, envelope_id: str) -> Ack:
        return await eventually(lambda: self.acks.get(envelope_id))
