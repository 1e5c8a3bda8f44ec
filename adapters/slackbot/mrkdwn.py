"""Turnout markup into Slack mrkdwn: pure functions, no Slack library needed.

Slack reads ``<...>`` as links and mentions (``<!channel>``, ``<@U1>``), so every piece of text
is entity-escaped first; that is what keeps a user's ``<!channel>`` inert. Marker characters
inside bold or italic spans are swapped for look-alikes because mrkdwn has no escape for them.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from bot.markup import spans

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,30}$")


def escape(text: str) -> str:
    """Entity-escape the three characters Slack treats as control characters."""
    return "".join(_ENTITIES.get(ch, ch) for ch in text)


def unescape(text: str) -> str:
    """Undo Slack's escaping of slash-command text, so the core stores what the person typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _safe_url(url: str) -> str:
    # ``|`` and ``>`` would end the link early; percent-encoding keeps the address the same.
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~-._")


def to_mrkdwn(markup: str) -> str:
    """Render Turnout markup as Slack mrkdwn with all user text inert."""
    out: list[str] = []
    for span in spans(markup):
        text = escape(span.text)
        if span.kind == "bold":
            out.append(f"*{text.replace('*', '∗')}*")
        elif span.kind == "italic":
            out.append(f"_{text.replace('_', '＿')}_")
        elif span.kind == "code":
            out.append(f"`{text.replace('`', 'ˋ')}`")
        elif span.kind == "link":
            url = escape(_safe_url(span.url))
            label = text.replace("|", "¦")
            out.append(f"<{url}>" if span.text == span.url else f"<{url}|{label}>")
        else:
            out.append(text)
    return "".join(out)


def to_plain(markup: str) -> str:
    """Notification text (shown in push notifications and by screen readers): no markers, escaped."""
    return escape("".join(s.text if s.kind != "link" or s.text == s.url else f"{s.text} ({s.url})"
                          for s in spans(markup)))


def mention(user_id: str) -> str:
    """A deliberate ping, only for something that really is a Slack user id."""
    return f"<@{user_id}>" if _SLACK_USER.match(user_id) else escape(user_id)


def date_token(epoch: int, fmt: str, fallback: str) -> str:
    """Slack's ``<!date^...>``: each reader sees the time in their own zone; ``fallback`` elsewhere."""
    return f"<!date^{epoch}^{fmt}|{escape(fallback).replace('|', '¦')}>"
