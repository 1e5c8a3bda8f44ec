"""Every Turnout button, on any message, old or new: one DynamicItem matching ``turnout:...``.

The button's id carries its command (``turnout:signup:42``), so nothing needs remembering
between restarts: discord.py hands any matching click to this class once it is registered.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.model import BUTTON_PREFIX


class TurnoutButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=BUTTON_PREFIX + r"\S+"):
    def __init__(self, custom_id: str) -> None:
        super().__init__(discord.ui.Button(custom_id=custom_id))

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any, /
    ) -> TurnoutButton:
        return cls(str(getattr(item, "custom_id", match.group(0))))

    async def callback(self, interaction: discord.Interaction) -> None:  # type: ignore[override]
        client = interaction.client
        await client.handle_click(interaction, self.item.custom_id)  # type: ignore[attr-defined]
