"""The link an admin opens to add the bot to a server, with only the rights it uses."""

from __future__ import annotations

import discord

#: What the bot does in a server: read the channel, post (with embeds and files), answer commands.
SCOPES = ("bot", "applications.commands")


def bot_permissions() -> discord.Permissions:
    return discord.Permissions(
        view_channel=True,
        send_messages=True,
        send_messages_in_threads=True,
        embed_links=True,
        attach_files=True,
        read_message_history=True,
        use_application_commands=True,
    )


def invite_url(application_id: int | str) -> str:
    return discord.utils.oauth_url(int(application_id), permissions=bot_permissions(), scopes=SCOPES)
