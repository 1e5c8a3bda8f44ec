"""Point discord.py at another Discord: the ``[discord] api_base`` and ``gateway_url`` settings.

discord.py has no base-URL option; the REST base and the default gateway are class attributes,
so they are set here, once, before a client starts. Empty settings leave the real Discord.
"""

from __future__ import annotations

import discord
import yarl

from bot.config import DiscordSettings


def apply_endpoints(settings: DiscordSettings) -> None:
    if settings.api_base:
        discord.http.Route.BASE = settings.api_base.rstrip("/")
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)
