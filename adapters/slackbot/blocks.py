"""Neutral replies into Block Kit, inside Slack's limits (the library checks none of them).

Limits: 50 blocks per message (100 in a view), 3000 characters of section text, 10 fields of 2000
characters per section, 150 characters of header, 75 of button text, 25 elements per actions block.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from adapters.slackbot.mrkdwn import date_token, mention, to_mrkdwn, to_plain
from adapters.split import split_message
from bot.markup import esc
from bot.model import Button, Card, Reply

MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION = 3000
MAX_FIELD = 2000
MAX_FIELDS = 10
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_ACTIONS = 25
MAX_FALLBACK = 3000

Block = dict[str, Any]


@dataclass(frozen=True)
class SlackMessage:
    """One ``chat.postMessage`` / ``respond`` worth of content."""

    text: str
    blocks: tuple[Block, ...]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def sections(markup: str) -> list[Block]:
    """Markup as as many section blocks as the 3000-character limit needs."""
    rendered = to_mrkdwn(markup)
    if not rendered.strip():
        return []
    return [{"type": "section", "text": {"type": "mrkdwn", "text": piece}}
            for piece in split_message(rendered, MAX_SECTION) if piece.strip()]


def when_token(card: Card, fallback: str) -> str:
    """The card's time as Slack date tokens, so every reader sees their own zone."""
    assert card.starts_at is not None
    start = int(card.starts_at.timestamp())
    text = date_token(start, "{date_short_pretty} {time}", fallback)
    if card.ends_at is not None:
        text += "–" + date_token(int(card.ends_at.timestamp()), "{time}", fallback)
    return text


def card_blocks(card: Card) -> list[Block]:
    blocks: list[Block] = [{"type": "header", "text": {"type": "plain_text", "text": _clip(card.title, MAX_HEADER),
                                                       "emoji": False}}]
    blocks += sections(card.description)
    fields: list[str] = []
    for f in card.fields:
        value = to_mrkdwn(f.value)
        if f.name == "When" and card.starts_at is not None:
            value = when_token(card, to_plain(f.value))
        fields.append(_clip(f"*{to_mrkdwn(f.name)}*\n{value}", MAX_FIELD))
    for i in range(0, len(fields), MAX_FIELDS):
        blocks.append({"type": "section", "fields": [{"type": "mrkdwn", "text": t} for t in fields[i: i + MAX_FIELDS]]})
    extras = []
    if card.url:
        extras.append(to_mrkdwn(f"[More about it]({card.url})") if card.url.startswith("http") else "")
    if card.footer:
        extras.append(to_mrkdwn(esc(card.footer)))
    extras = [e for e in extras if e]
    if extras:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(e, MAX_FIELD)}
                                                       for e in extras]})
    return blocks


def button_element(button: Button) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": _clip(button.label, MAX_BUTTON_TEXT), "emoji": False},
        "action_id": button.custom_id,
        "value": button.action[:2000],
    }
    style = {"primary": "primary", "success": "primary", "danger": "danger"}.get(button.style)
    if style:
        element["style"] = style
    return element


def action_blocks(buttons: Iterable[Button]) -> list[Block]:
    elements = [button_element(b) for b in buttons]
    return [{"type": "actions", "elements": elements[i: i + MAX_ACTIONS]}
            for i in range(0, len(elements), MAX_ACTIONS)]


def reply_blocks(reply: Reply) -> list[Block]:
    """Every block of one reply, before splitting into messages."""
    text = reply.beside_cards
    if reply.is_error:
        text = f":warning: {text}"
    blocks = sections(text)
    if reply.mention and blocks:
        first = blocks[0]["text"]
        first["text"] = _clip(f"{mention(reply.mention)} {first['text']}", MAX_SECTION)
    elif reply.mention:
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": mention(reply.mention)}}]
    for card in reply.cards:
        blocks.append({"type": "divider"})
        blocks += card_blocks(card)
    blocks += action_blocks(reply.buttons)
    return blocks


def render_reply(reply: Reply) -> list[SlackMessage]:
    """A reply as one or more messages of at most 50 blocks; the first carries the notification text."""
    blocks = reply_blocks(reply)
    fallback = _clip(to_plain(reply.text), MAX_FALLBACK) or " "
    if reply.mention:
        fallback = _clip(f"{mention(reply.mention)} {fallback}", MAX_FALLBACK)
    if not blocks:
        return [SlackMessage(fallback, ())]
    chunks = [tuple(blocks[i: i + MAX_BLOCKS]) for i in range(0, len(blocks), MAX_BLOCKS)]
    return [SlackMessage(fallback if i == 0 else "(continued)", chunk) for i, chunk in enumerate(chunks)]


def view_blocks(replies: Iterable[Reply], *, heading: str) -> list[Block]:
    """Replies as blocks for a view (the App Home), under a header."""
    blocks: list[Block] = [{"type": "header", "text": {"type": "plain_text", "text": _clip(heading, MAX_HEADER)}}]
    for reply in replies:
        blocks += reply_blocks(reply)
    return blocks
