"""Cutting rendered text into messages a platform accepts: between lines when possible.

A line too long for one message is cut at a space in its second half if there is one, and never
inside something a cut would break on Discord or Slack: an ``<...>`` mention or link, an ``&...;``
entity, or a backslash escape.
"""

from __future__ import annotations

#: The entities our renderers write for ``&``, ``<`` and ``>``.
_ENTITIES = ("&amp;", "&lt;", "&gt;")


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
    plain = space if space > 0 else limit
    cut = plain
    opened = line.rfind("<", 0, cut)
    if opened > line.rfind(">", 0, cut) and not _escaped(line, opened):
        cut = opened  # keep a mention or link whole
    for entity in _ENTITIES:
        start = line.rfind(entity[0], max(0, cut - len(entity) + 1), cut)
        if start >= 0 and line.startswith(entity, start):
            cut = start  # keep an entity whole
    while cut > 0 and line[cut - 1] == "\\":
        cut -= 1  # keep an escape with what it escapes
    return cut if cut > 0 else plain  # nothing safe before the limit: cut where a plain cut would


def _escaped(line: str, at: int) -> bool:
    """Whether the character at ``at`` is escaped by an odd run of backslashes before it."""
    run = 0
    while at - run - 1 >= 0 and line[at - run - 1] == "\\":
        run += 1
    return run % 2 == 1
