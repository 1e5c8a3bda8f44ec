"""The running Discord bot: a discord.py client wired to the core, and the Postman's transport."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import discord

from adapters.discordbot.buttons import TurnoutButton
from adapters.discordbot.endpoints import apply_endpoints
from adapters.discordbot.interactions import DEFER_AFTER, HANDLED_EVENT, InteractionHandler
from adapters.discordbot.sync import upload_commands
from adapters.discordbot.transport import DiscordTransport
from bot.app import Core
from bot.config import Config
from tasks.postman import Postman

log = logging.getLogger(__name__)


def intents() -> discord.Intents:
    """Guilds only (roles and channels): slash commands and buttons need no privileged intents."""
    chosen = discord.Intents.none()
    chosen.guilds = True
    return chosen


class TurnoutClient(discord.Client):
    def __init__(self, *, core: Core, handler: InteractionHandler, guild_ready_timeout: float = 2.0) -> None:
        super().__init__(intents=intents(), allowed_mentions=discord.AllowedMentions.none(),
                         guild_ready_timeout=guild_ready_timeout, chunk_guilds_at_startup=False)
        self.core = core
        self.handler = handler

    async def setup_hook(self) -> None:
        self.add_dynamic_items(TurnoutButton)
        try:
            await upload_commands(self, self.core)
        except discord.HTTPException:
            log.exception("could not sync slash commands; the previous set stays in place")

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        try:
            if interaction.type is discord.InteractionType.application_command:
                await self.handler.on_command(interaction)
            elif interaction.type is discord.InteractionType.autocomplete:
                await self.handler.on_autocomplete(interaction)
            else:
                return  # components reach TurnoutButton; modals are not used
        except discord.HTTPException:
            log.exception("answering interaction %s failed", interaction.id)
        self.dispatch(HANDLED_EVENT, interaction.id)

    async def handle_click(self, interaction: discord.Interaction, custom_id: str) -> None:
        try:
            await self.handler.on_click(interaction, custom_id)
        except discord.HTTPException:
            log.exception("answering click %s failed", interaction.id)
        self.dispatch(HANDLED_EVENT, interaction.id)


class DiscordBot:
    """One Discord connection for one core. ``start()``/``close()`` for tests, ``run()`` for the CLI."""

    def __init__(
        self,
        *,
        core: Core,
        config: Config,
        postman: Postman | None = None,
        defer_after: float = DEFER_AFTER,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        apply_endpoints(config.discord)
        self.core = core
        self.token = config.secrets.discord_token
        self.handler = InteractionHandler(core=core, organizer_role=config.discord.organizer_role,
                                          defer_after=defer_after)
        self.client = TurnoutClient(core=core, handler=self.handler, guild_ready_timeout=guild_ready_timeout)
        self.transport = DiscordTransport(self.client)
        if postman is not None:
            postman.add_transport(self.transport)
        self._task: asyncio.Task[None] | None = None

    async def start(self, ready_within: float = 30.0) -> None:
        """Connect and return once the gateway is ready (raising if the client fails first)."""
        self._task = asyncio.create_task(self.client.start(self.token), name="turnout-discord")
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait({self._task, ready}, timeout=ready_within, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ready
            failed = self._task.exception() if self._task in done else None
            await self.close()
            raise RuntimeError("Discord did not become ready") from failed

    async def close(self) -> None:
        await self.client.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


async def run_discord(core: Core, postman: Postman, config: Config) -> None:
    """Run the Discord adapter until cancelled (the CLI's entry point; ``cli.Service`` wires the core's
    ``on_queued`` to the runner, so messages a command queued go out at once)."""
    bot = DiscordBot(core=core, config=config, postman=postman)
    async with bot.client:
        await bot.client.start(bot.token)
