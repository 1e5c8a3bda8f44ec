"""A neutral ``Reply`` as Discord messages that stay inside every Discord limit.

Discord rejects (rather than trims) a message over its limits, and discord.py checks none of
them, so the renderer splits text at 2,000 characters, trims embeds to their field limits and
6,000 characters in total, and lays out at most 25 buttons in rows of five.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import discord

from adapters.discordbot.markdown import MAX_CONTENT, escape, to_discord, truncate
from adapters.split import split_message
from bot.model import MAX_BUTTON_ID, Attachment, Button, Card, Reply

log = logging.getLogger(__name__)

MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_TITLE = 256
MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER = 2048
MAX_ROWS = 5
PER_ROW = 5
MAX_LABEL = 80
MAX_FILES = 10
#: The first field of an event card: replaced by Discord timestamps, shown in each reader's zone.
WHEN = "When"

_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "danger": discord.ButtonStyle.danger,
    "success": discord.ButtonStyle.success,
}


class ButtonRow(discord.ui.View):
    """Only lays out buttons. Clicks are routed by custom_id to ``TurnoutButton`` (a DynamicItem),
    so nothing is kept per message and buttons work after a restart."""

    def __init__(self, buttons: Sequence[Button]) -> None:
        super().__init__(timeout=None)
        for i, button in enumerate(buttons[: MAX_ROWS * PER_ROW]):
            self.add_item(discord.ui.Button(
                label=truncate(button.label, MAX_LABEL), custom_id=button.custom_id,
                style=_STYLES.get(button.style, discord.ButtonStyle.primary), row=i // PER_ROW,
            ))

    def is_dispatchable(self) -> bool:
        return False


@dataclass
class Outbound:
    """One Discord message: call ``kwargs()`` for each attempt (files are read once per send)."""

    content: str = ""
    embeds: list[discord.Embed] = field(default_factory=list)
    buttons: tuple[Button, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    mention: str = ""

    def allowed_mentions(self) -> discord.AllowedMentions:
        if self.mention:
            return discord.AllowedMentions(everyone=False, roles=False, replied_user=False,
                                           users=[discord.Object(int(self.mention))])
        return discord.AllowedMentions.none()

    def kwargs(self) -> dict[str, Any]:
        out: dict[str, Any] = {"allowed_mentions": self.allowed_mentions()}
        if self.content:
            out["content"] = self.content
        if self.embeds:
            out["embeds"] = self.embeds
        if self.buttons:
            out["view"] = ButtonRow(self.buttons)
        if self.attachments:
            out["files"] = [discord.File(io.BytesIO(a.data), filename=a.filename) for a in self.attachments]
        return out


def timestamps(card: Card) -> str:
    start = int(card.starts_at.timestamp()) if card.starts_at else 0
    text = f"<t:{start}:F>"
    if card.ends_at is not None:
        text += f" – <t:{int(card.ends_at.timestamp())}:t>"
    return f"{text} (<t:{start}:R>)"


def card_embed(card: Card) -> discord.Embed:
    embed = discord.Embed(
        title=truncate(escape(card.title), MAX_TITLE),
        description=truncate(to_discord(card.description), MAX_DESCRIPTION) or None,
        url=card.url or None,
        timestamp=card.starts_at,
    )
    fields = list(card.fields)
    if card.starts_at is not None:
        embed.add_field(name=WHEN, value=timestamps(card), inline=False)
        fields = [f for f in fields if f.name != WHEN]
    for f in fields[: MAX_FIELDS - len(embed.fields)]:
        embed.add_field(name=truncate(to_discord(f.name), MAX_FIELD_NAME) or "\u200b",
                        value=truncate(to_discord(f.value), MAX_FIELD_VALUE) or "\u200b", inline=f.inline)
    if card.footer:
        embed.set_footer(text=truncate(card.footer, MAX_FOOTER))
    _fit(embed, MAX_EMBED_TOTAL)
    return embed


def _fit(embed: discord.Embed, budget: int) -> None:
    """Shorten the description, then the footer, then drop trailing fields, until within ``budget``.

    The title, the time and the spot counts matter most on an event card, so they go last; but
    fields are first cut back to half the budget so that a long list cannot crowd out the rest.
    """
    while len(embed) > budget and len(embed.fields) > 1 and _fields_size(embed) > budget // 2:
        embed.remove_field(len(embed.fields) - 1)
    if len(embed) > budget and embed.description:
        keep = len(embed.description) - (len(embed) - budget)
        embed.description = truncate(embed.description, keep) if keep > 0 else None
    if len(embed) > budget and embed.footer.text:
        keep = len(embed.footer.text) - (len(embed) - budget)
        embed.set_footer(text=truncate(embed.footer.text, keep) if keep > 0 else None)
    while len(embed) > budget and len(embed.fields) > 1:
        embed.remove_field(len(embed.fields) - 1)


def _fields_size(embed: discord.Embed) -> int:
    return sum(len(f.name or "") + len(f.value or "") for f in embed.fields)


def _embed_groups(embeds: list[discord.Embed]) -> list[list[discord.Embed]]:
    """Embeds packed into messages of at most 10 embeds and 6,000 characters."""
    groups: list[list[discord.Embed]] = []
    size = 0
    for embed in embeds:
        if not groups or len(groups[-1]) >= MAX_EMBEDS or size + len(embed) > MAX_EMBED_TOTAL:
            groups.append([])
            size = 0
        groups[-1].append(embed)
        size += len(embed)
    return groups


def usable_buttons(buttons: Sequence[Button]) -> tuple[Button, ...]:
    kept = []
    for button in buttons:
        if not 0 < len(button.custom_id) <= MAX_BUTTON_ID:
            log.warning("dropping a button whose id is %d characters", len(button.custom_id))
            continue
        kept.append(button)
    if len(kept) > MAX_ROWS * PER_ROW:
        log.warning("dropping %d buttons over Discord's 25", len(kept) - MAX_ROWS * PER_ROW)
    return tuple(kept[: MAX_ROWS * PER_ROW])


def render(reply: Reply) -> list[Outbound]:
    """The messages for one reply: text first, then cards; buttons and files on the last one."""
    mention = f"<@{reply.mention}> " if reply.mention.isdigit() else ""
    text = to_discord(reply.beside_cards)
    pieces = split_message(mention + text if mention else text, MAX_CONTENT)
    messages = [Outbound(content=p) for p in pieces]
    groups = _embed_groups([card_embed(c) for c in reply.cards])
    if groups:
        if messages:
            messages[-1].embeds = groups[0]
        else:
            messages.append(Outbound(embeds=groups[0]))
        messages += [Outbound(embeds=g) for g in groups[1:]]
    buttons = usable_buttons(reply.buttons)
    attachments = reply.attachments
    if not messages and (buttons or attachments):
        messages.append(Outbound(content="\u200b"))
    if messages:
        messages[-1].buttons = buttons
        for chunk_start in range(0, len(attachments), MAX_FILES):
            chunk = attachments[chunk_start : chunk_start + MAX_FILES]
            if chunk_start == 0:
                messages[-1].attachments = chunk
            else:
                messages.append(Outbound(content="\u200b", attachments=chunk))
    if mention:
        # Only the message that names the person may ping them.
        messages[0].mention = reply.mention
    return messages
