"""Turnout's small neutral markup, and the one parser every renderer shares.

The core writes ``**bold**``, ``_italic_``, ```code```, ``[label](https://url)`` and lines starting with
``- `` for lists. Anything a user typed goes through ``esc`` first, so it shows literally on every
platform. Adapters call ``spans`` and render each kind their own way (``to_plain`` is the console's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

SpanKind = Literal["text", "bold", "italic", "code", "link"]

#: Each markup character, preceded by a backslash.
_ESCAPES = str.maketrans({c: "\\" + c for c in "\\*_[]()`"})
_TOKEN = re.compile(
    r"\\(?P<escaped>[\\*_\[\]()`])"
    r"|`(?P<code>(?:\\.|[^`\\])+)`"
    r"|\*\*(?P<bold>(?:\\.|[^*\\])+?)\*\*"
    r"|(?<![A-Za-z0-9])_(?P<italic>(?:\\.|[^_\\])+?)_(?![A-Za-z0-9])"
    r"|\[(?P<label>(?:\\.|[^\]\\])+)\]\((?P<url>https?://[^\s()]+)\)"
)
_UNESCAPE = re.compile(r"\\([\\*_\[\]()`])")


@dataclass(frozen=True)
class Span:
    kind: SpanKind
    text: str
    url: str = ""


def esc(text: str) -> str:
    """Make user text inert: it will render exactly as typed."""
    return text.translate(_ESCAPES)


def bold(text: str) -> str:
    return f"**{text}**"


def italic(text: str) -> str:
    return f"_{text}_"


def link(label: str, url: str) -> str:
    """A link; ``label`` must already be markup (escape user text first)."""
    return f"[{label}]({url})"


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(r"\1", text)


def spans(markup: str) -> list[Span]:
    """Split markup into spans; unmatched markers are plain text."""
    out: list[Span] = []
    pos = 0

    def plain(s: str) -> None:
        if not s:
            return
        if out and out[-1].kind == "text":
            out[-1] = Span("text", out[-1].text + s)
        else:
            out.append(Span("text", s))

    for m in _TOKEN.finditer(markup):
        plain(markup[pos : m.start()])
        pos = m.end()
        if m.group("escaped") is not None:
            plain(m.group("escaped"))
        elif m.group("code") is not None:
            out.append(Span("code", _unescape(m.group("code"))))
        elif m.group("bold") is not None:
            out.append(Span("bold", _unescape(m.group("bold"))))
        elif m.group("italic") is not None:
            out.append(Span("italic", _unescape(m.group("italic"))))
        else:
            out.append(Span("link", _unescape(m.group("label")), m.group("url")))
    plain(markup[pos:])
    return out


def to_plain(markup: str) -> str:
    """Render for a terminal: no markers, links as ``label <url>``."""
    parts = []
    for span in spans(markup):
        if span.kind == "link":
            parts.append(span.text if span.text == span.url else f"{span.text} <{span.url}>")
        elif span.kind == "code":
            parts.append(f"`{span.text}`")
        else:
            parts.append(span.text)
    return "".join(parts)
