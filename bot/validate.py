"""Checks on values people type that the parser cannot make alone (they need the domain's rules)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bot.errors import UsageError
from bot.markup import esc

ROLE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
MAX_ROLES = 10
MAX_SPOTS = 100_000


def url(value: str) -> str:
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        raise UsageError(f"`{esc(value[:60])}` is not a web link (it should start with https://).")
    return value


def roles(spec: str, *, removing: bool = False) -> list[tuple[str, int | None]]:
    """``speaker=5,attendee`` -> [("speaker", 5), ("attendee", None)]. With ``removing`` (an edit),
    ``name=0`` is allowed: it asks for the role to go."""
    out: list[tuple[str, int | None]] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        name, _, spots_raw = part.partition("=")
        name = name.strip().lower()
        if not ROLE_NAME.match(name):
            raise UsageError(
                f"`{esc(name[:40])}` is not a role name: use a short lower-case word like `speaker`."
            )
        spots: int | None = None
        if spots_raw.strip():
            if not re.fullmatch(r"-?\d{1,9}", spots_raw.strip()):
                raise UsageError(f"The spots for `{esc(name)}` must be a whole number.")
            spots = int(spots_raw)
            if spots < 0 or spots == 0 and not removing:
                raise UsageError(f"The spots for `{esc(name)}` must be at least 1 (leave it out for unlimited).")
            if spots > MAX_SPOTS:
                raise UsageError(f"The spots for `{esc(name)}` can be at most {MAX_SPOTS:,}.")
        if any(existing == name for existing, _ in out):
            raise UsageError(f"The role `{esc(name)}` is listed twice.")
        out.append((name, spots))
    if not out:
        raise UsageError('No roles given. Try `roles:"speaker=5,attendee"`.')
    if len(out) > MAX_ROLES:
        raise UsageError(f"At most {MAX_ROLES} roles per event.")
    return out
