"""Registering the slash commands with Discord, only when the declarations changed.

Discord allows 200 command creates per day per server, so a restart must not re-upload an
unchanged set: a hash of what was last uploaded (per application) lives in the store's meta table.
"""

from __future__ import annotations

import logging

import discord

from adapters.discordbot.slash import commands_hash, commands_payload
from bot.app import Core

log = logging.getLogger(__name__)

META_KEY = "discord.commands"


def _stamp(application_id: int, digest: str) -> str:
    return f"{application_id}:{digest}"


async def upload_commands(client: discord.Client, core: Core, *, force: bool = False) -> bool:
    """Upload the commands if they changed since the last upload (or ``force``); True if uploaded."""
    application_id = client.application_id
    if application_id is None:
        raise RuntimeError("log in before syncing commands: the application id is not known yet")
    payload = commands_payload(core.registry, organizer_role=core.config.discord.organizer_role)
    stamp = _stamp(application_id, commands_hash(payload))
    async with core.store.snapshot() as tx:
        current = await tx.get_meta(META_KEY)
    if current == stamp and not force:
        log.info("slash commands unchanged; not syncing")
        return False
    await client.http.bulk_upsert_global_commands(application_id, payload)  # type: ignore[arg-type]
    async with core.store.transaction() as tx:
        await tx.set_meta(META_KEY, stamp)
    log.info("synced %d slash commands", len(payload))
    return True


async def sync_commands(core: Core) -> int:
    """``turnout discord sync``: upload the commands now, without connecting to the gateway."""
    from adapters.discordbot.endpoints import apply_endpoints

    apply_endpoints(core.config.discord)
    token = core.config.secrets.discord_token
    if not token:
        raise RuntimeError("DISCORD_TOKEN is not set")
    client = discord.Client(intents=discord.Intents.none())
    try:
        await client.login(token)
        await upload_commands(client, core, force=True)
    finally:
        await client.close()
    return len(core.registry)
