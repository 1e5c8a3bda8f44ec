"""Cutting rendered text into messages a platform accepts: between lines when possible.

A line too long for one message is cut at a space in its second half if there is one, and never
inside something a cut would break on Discord or Slack: an ``<...>`` mention or link, an ``&...;``
entity, or a backslash escape.
"""

from __future__ import annotations

#: The longest ``&...;`` entity we produce (``&amp;``).
_ENTITY = 5


def split_message(text: str, limit: int) -> list[str]:
    """Pieces of at most ``limit`` characters that join back to ``text`` up to the spaces and line
    breaks cut at; no piece is empty."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        while len(line) > limit:
            cut = cut_point(line, limit)
            pieces.append(line[:cut])
            line = line[cut:].lstrip(" ")
        current = line
    if current:
        pieces.append(current)
    return pieces


def cut_point(line: str, limit: int) -> int:
    """Where to cut a line longer than ``limit``: the length of the first piece (at least 1)."""
    space = line.rfind(" ", limit // 2, limit)
    cut = space if space > 0 else limit
    opened = line.rfind("<", 0, cut)
    if opened > line.rfind(">", 0, cut):
        cut = opened
    amp = line.rfind("&", max(0, cut - _ENTITY), cut)
    if amp >= 0 and ";" not in line[amp:cut]:
        cut = amp
    while cut > 0 and line[cut - 1] == "\\":  # keep an escape with what it escapes
        cut -= 1
    return cut if cut > 0 else min(limit, len(line))
