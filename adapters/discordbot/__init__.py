"""Turnout on Discord (discord.py): slash commands generated from the declarations, restart-proof
buttons, ephemeral replies, embeds within Discord's limits, and DMs through the outbox.

Only this package imports discord; the CLI imports it only when a Discord token is configured.
"""

import warnings

with warnings.catch_warnings():
    # discord.py's voice support imports audioop, deprecated since Python 3.11; Turnout uses no voice,
    # and a test run with filterwarnings=error must not fail on a library's import.
    warnings.filterwarnings("ignore", message="'audioop' is deprecated", category=DeprecationWarning)
    import discord  # noqa: F401

from adapters.discordbot.client import DiscordBot, run_discord
from adapters.discordbot.invite import invite_url
from adapters.discordbot.sync import sync_commands
from adapters.discordbot.transport import DiscordTransport

__all__ = ["DiscordBot", "DiscordTransport", "invite_url", "run_discord", "sync_commands"]
