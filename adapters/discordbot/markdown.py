"""Turnout markup into Discord markdown, and long text into messages Discord accepts.

The core escapes what users type in its own markup; once parsed into spans, each plain span is
escaped again for Discord, whose markdown knows more markers (``~``, ``|``, ``>``, ``#`` headings,
``<@id>`` mentions, masked links). That keeps typed text literal, so it can neither format nor
pretend to be a link or a mention.
"""

from __future__ import annotations

import re

from bot.markup import spans

#: Discord's limit on a message's content.
MAX_CONTENT = 2000

_SPECIAL = re.compile(r"([\\*_~`|<>\[\]])")
#: Headings (``# x``) and subtext (``-# x``) only exist at the start of a line.
_LINE_START_HASH = re.compile(r"(?m)^(\s*-?)#")


def escape(text: str) -> str:
    """Plain text that Discord shows exactly as written."""
    return _LINE_START_HASH.sub(r"\1\\#", _SPECIAL.sub(r"\\\1", text))


def _code(text: str) -> str:
    if "`" not in text:
        return f"`{text}`"
    return f"`` {text.replace('``', '` `')} ``"


def to_discord(markup: str) -> str:
    """Render Turnout markup (``**bold**``, ``_italic_``, ```code```, ``[label](url)``) for Discord."""
    out: list[str] = []
    for span in spans(markup):
        if span.kind == "bold":
            out.append(f"**{escape(span.text)}**")
        elif span.kind == "italic":
            out.append(f"*{escape(span.text)}*")
        elif span.kind == "code":
            out.append(_code(span.text))
        elif span.kind == "link":
            out.append(span.url if span.text == span.url else f"[{escape(span.text)}]({span.url})")
        else:
            out.append(escape(span.text))
    return "".join(out)


def truncate(text: str, limit: int) -> str:
    """Cut to ``limit`` characters, marking the cut, so a limit is never a failed request."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + "…"
