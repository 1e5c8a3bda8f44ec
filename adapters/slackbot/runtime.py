"""Starting and stopping the Slack side: one HTTP session, two clients, the bolt app and its connection.

``SlackRuntime`` owns everything it opens and closes all of it, so tests (and a shutdown) leave no
sockets behind. Socket Mode needs no public URL; HTTP mode serves the signed events endpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from adapters.slackbot.clients import api_base, web_client
from adapters.slackbot.dms import DmChannels
from adapters.slackbot.listeners import SlackChat
from adapters.slackbot.organizers import Organizers
from adapters.slackbot.throttle import ChannelThrottle
from adapters.slackbot.transport import SlackTransport
from bot.clock import Clock
from bot.config import Config
from bot.dispatch import Dispatcher

log = logging.getLogger(__name__)


class SlackSetupError(Exception):
    """Slack is configured but cannot start (a missing token); the message says which."""


@dataclass
class SlackRuntime:
    app: AsyncApp
    chat: SlackChat
    transport: SlackTransport
    session: aiohttp.ClientSession
    socket: AsyncSocketModeHandler | None = None
    runner: web.AppRunner | None = None
    #: The port HTTP mode listens on (useful when asked for port 0).
    port: int | None = None

    @classmethod
    async def start(
        cls,
        *,
        dispatcher: Dispatcher,
        clock: Clock,
        config: Config,
        after_command: Callable[[], object] | None = None,
        host: str | None = None,
        port: int | None = None,
        throttle: ChannelThrottle | None = None,
        connect: bool = True,
    ) -> SlackRuntime:
        """Build the app and connect it (Socket Mode) or start serving it (HTTP mode)."""
        settings, secrets = config.slack, config.secrets
        if not secrets.slack_bot_token:
            raise SlackSetupError("SLACK_BOT_TOKEN is not set")
        http = settings.mode == "http"
        if http and not secrets.slack_signing_secret:
            raise SlackSetupError('[slack] mode = "http" needs SLACK_SIGNING_SECRET')
        if not http and not secrets.slack_app_token:
            raise SlackSetupError("Socket Mode needs SLACK_APP_TOKEN (an xapp- token with connections:write)")
        session = aiohttp.ClientSession()
        base = api_base(settings.api_base)
        client = web_client(secrets.slack_bot_token, base_url=base, session=session, resend_on_connection_error=True)
        delivery = web_client(secrets.slack_bot_token, base_url=base, session=session, resend_on_connection_error=False)
        app = AsyncApp(name="turnout", client=client, signing_secret=secrets.slack_signing_secret,
                       request_verification_enabled=http)
        dms = DmChannels(client)  # one directory for replies and deliveries
        chat = SlackChat(dispatcher=dispatcher, clock=clock, client=client, session=session,
                         organizers=Organizers(settings.organizers, client=client), after_command=after_command,
                         dms=dms)
        chat.register(app)
        runtime = cls(app, chat, SlackTransport(delivery, throttle=throttle, dms=dms), session)
        if not connect:
            return runtime
        try:
            if http:
                await runtime._serve(settings.host if host is None else host, settings.port if port is None else port,
                                     settings.path)
            else:
                runtime.socket = AsyncSocketModeHandler(app, app_token=secrets.slack_app_token, web_client=client)
                await runtime.socket.connect_async()
        except BaseException:
            await runtime.close()
            raise
        return runtime

    async def _serve(self, host: str, port: int, path: str) -> None:
        self.runner = web.AppRunner(self.app.web_app(path=path, port=port))
        await self.runner.setup()
        site = web.TCPSite(self.runner, host, port)
        await site.start()
        server = site._server  # aiohttp exposes the bound port only here
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else port
        log.info("Slack events endpoint listening on %s:%s%s", host, self.port, path)

    async def close(self) -> None:
        if self.socket is not None:
            with contextlib.suppress(Exception):
                await self.socket.close_async()
            self.socket = None
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
        await self.session.close()


async def run_slack(core, postman, config: Config) -> None:  # type: ignore[no-untyped-def]
    """Run Slack until cancelled: commands in, replies out, and the postman's Slack deliveries.

    ``core`` is a ``bot.app.Core``; ``postman`` a ``tasks.postman.Postman`` (or None). Messages a
    command queues go out at once because ``cli.Service`` wires the core's ``on_queued`` to the runner.
    """
    delivery = getattr(config, "delivery", None)
    rate = float(getattr(delivery, "slack_per_channel_per_second", 1.0) or 1.0)
    runtime = await SlackRuntime.start(dispatcher=core.dispatcher, clock=core.clock, config=config,
                                       throttle=ChannelThrottle(1.0 / rate))
    if postman is not None:
        postman.add_transport(runtime.transport)
    try:
        await asyncio.Event().wait()
    finally:
        await runtime.close()
