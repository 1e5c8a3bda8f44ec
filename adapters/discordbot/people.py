"""Who is asking and where, from a Discord interaction: the adapter's half of ``Actor``/``Place``.

Discord decides organizer status here (Manage Events, Administrator, or the configured role by id
or name); the core decides what that allows.
"""

from __future__ import annotations

import discord

from bot.model import Actor, Place

PLATFORM = "discord"


def is_organizer(user: discord.abc.User, permissions: discord.Permissions, organizer_role: str = "") -> bool:
    if permissions.administrator or permissions.manage_events:
        return True
    wanted = organizer_role.strip()
    if not wanted or not isinstance(user, discord.Member):
        return False
    return any(str(role.id) == wanted or role.name.casefold() == wanted.casefold() for role in user.roles)


def actor_of(interaction: discord.Interaction, organizer_role: str = "") -> Actor:
    user = interaction.user
    return Actor(
        platform=PLATFORM,
        user_id=str(user.id),
        display_name=user.display_name,
        is_organizer=interaction.guild_id is not None
        and is_organizer(user, interaction.permissions, organizer_role),
    )


def place_of(interaction: discord.Interaction) -> Place:
    channel = interaction.channel
    return Place(
        platform=PLATFORM,
        channel_id=str(interaction.channel_id or ""),
        workspace_id=str(interaction.guild_id or ""),
        channel_name=getattr(channel, "name", None) or "",
        is_direct=interaction.guild_id is None,
    )
