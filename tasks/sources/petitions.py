"""Petition counts from wherever a campaign collects signatures.

An organizer configures a source as one short string (stored verbatim, shown back in ``help``):

- ``actionnetwork:<petition uuid>``: Action Network API v2, needs the API key;
- ``json:<url>`` or ``json:<url>#data.attributes.signature_count``: any JSON document, the count at
  a dotted path (list indexes allowed: ``items.0.count`` or ``items[0].count``) or, without a path,
  under one of the usual names;
- ``csv:<url>``: a Google Form response sheet exported as CSV: every non-blank data row is one
  signature;
- ``manual``: organizers type the count; nothing to fetch.

:func:`parse_spec` is pure so a typo is reported when the source is set, not at the first poll.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from tasks.sources.errors import SourceError, redact
from tasks.sources.fetch import DEFAULT_MAX_BYTES, Fetched, check_http_url, fetch_response, host_label

if TYPE_CHECKING:
    import aiohttp

ACTION_NETWORK_API = "https://actionnetwork.org/api/v2"

SPEC_EXAMPLES = "`actionnetwork:<petition id>`, `json:https://...#path.to.count`, `csv:https://...` or `manual`"

#: Names tried, in order, when a JSON source has no explicit path (UK Parliament, Action Network,
#: Change.org, and the generic ``count``).
COUNT_KEYS = ("signature_count", "total_signatures", "total_signature_count", "displayed_signature_count", "count")

Kind = Literal["actionnetwork", "json", "csv", "manual"]

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_PATH_PART = re.compile(r"([^.\[\]]*)((?:\[-?\d+\])*)")


@dataclass(frozen=True, slots=True)
class PetitionSpec:
    """A parsed source: ``target`` is the uuid or URL (empty for manual), ``path`` the JSON path."""

    kind: Kind
    target: str = ""
    path: tuple[str | int, ...] | None = None

    def __str__(self) -> str:
        if self.kind == "manual":
            return "manual"
        text = f"{self.kind}:{self.target}"
        if self.path is not None:
            text += "#" + ".".join(str(part) for part in self.path)
        return text


def parse_spec(spec: str) -> PetitionSpec:
    """Read a source string such as ``json:https://example.org/count.json#data.count``."""
    text = spec.strip()
    kind, sep, rest = text.partition(":")
    kind = kind.strip().lower()
    rest = rest.strip()
    if kind == "manual":
        if rest:
            raise SourceError("`manual` takes nothing after it: organizers type the count themselves.")
        return PetitionSpec("manual")
    if not sep or not rest:
        raise SourceError(f"`{_shown(text)}` is not a petition source. Use {SPEC_EXAMPLES}.")
    if kind in ("actionnetwork", "action_network", "an"):
        uuid = rest.lower().removeprefix("action_network:")
        if not _UUID.fullmatch(uuid):
            raise SourceError(
                "An Action Network source is `actionnetwork:` and the petition's id, like "
                "`actionnetwork:7580a324-9a72-11e3-a2e9-12313d316c29` (it is in the petition's API link)."
            )
        return PetitionSpec("actionnetwork", uuid)
    if kind == "json":
        url, hashmark, path_text = rest.partition("#")
        path = parse_path(path_text) if hashmark else None
        return PetitionSpec("json", check_http_url(url), path)
    if kind == "csv":
        return PetitionSpec("csv", check_http_url(rest.partition("#")[0]))
    raise SourceError(f"`{_shown(kind)}` is not a kind of petition source. Use {SPEC_EXAMPLES}.")


def parse_path(text: str) -> tuple[str | int, ...]:
    """``data.items[0].count`` or ``data.items.0.count`` as keys and indexes."""
    cleaned = text.strip()
    if not cleaned:
        raise SourceError("The JSON path after `#` is empty. Write it like `data.attributes.signature_count`.")
    parts: list[str | int] = []
    for piece in cleaned.split("."):
        m = _PATH_PART.fullmatch(piece)
        if m is None or (not m.group(1) and not m.group(2)):
            raise SourceError(
                f"`{_shown(cleaned)}` is not a JSON path. Write it like `data.attributes.signature_count` "
                "or `items[0].count`."
            )
        if m.group(1):
            name = m.group(1)
            parts.append(int(name) if re.fullmatch(r"-?\d+", name) else name)
        parts.extend(int(index) for index in re.findall(r"\[(-?\d+)\]", m.group(2)))
    return tuple(parts)


async def fetch_count(
    spec: str | PetitionSpec,
    *,
    session: aiohttp.ClientSession,
    api_key: str | None,
    timeout: float,  # noqa: ASYNC109 - a per-request aiohttp ClientTimeout, not a wait
    base_url: str = ACTION_NETWORK_API,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> int:
    """The current signature count of a petition source (never negative).

    ``api_key`` is only sent to Action Network (``base_url``), without following redirects, because
    aiohttp would carry a custom header to whatever host a redirect names. Any echo of the key in a
    service's reply is removed from the error text.
    """
    parsed = parse_spec(spec) if isinstance(spec, str) else spec
    try:
        if parsed.kind == "actionnetwork":
            return await _action_network(
                parsed.target, session=session, api_key=api_key, seconds=timeout, base_url=base_url,
                max_bytes=max_bytes,
            )
        if parsed.kind == "json":
            fetched = await _get_ok(parsed.target, session=session, seconds=timeout, max_bytes=max_bytes)
            return count_from_json(_load_json(fetched, host_label(parsed.target)), parsed.path)
        if parsed.kind == "csv":
            fetched = await _get_ok(parsed.target, session=session, seconds=timeout, max_bytes=max_bytes)
            return count_from_csv(fetched.body, content_type=fetched.content_type)
    except SourceError as exc:
        cleaned = redact(exc.message, (api_key,))
        if cleaned != exc.message:
            raise SourceError(cleaned) from None
        raise
    raise SourceError("This petition's count is typed by organizers; there is nothing to fetch.")


async def _action_network(
    uuid: str, *, session: aiohttp.ClientSession, api_key: str | None, seconds: float, base_url: str, max_bytes: int
) -> int:
    if not api_key:
        raise SourceError("No Action Network API key is configured, so the petition cannot be read.")
    fetched = await fetch_response(
        f"{base_url.rstrip('/')}/petitions/{uuid}",
        session=session,
        timeout=seconds,
        max_bytes=max_bytes,
        headers={"OSDI-API-Token": api_key, "Accept": "application/hal+json"},
        allow_redirects=False,
        label="Action Network",
    )
    if fetched.status in (401, 403):
        detail = _error_detail(fetched, secret=api_key)
        raise SourceError("Action Network refused the API key" + (f" ({detail})." if detail else "."))
    if fetched.status == 404:
        raise SourceError(f"Action Network has no petition `{uuid}`.")
    if not fetched.ok:
        raise SourceError(f"Action Network answered HTTP {fetched.status}.")
    document = _load_json(fetched, "Action Network")
    if not isinstance(document, dict) or "total_signatures" not in document:
        raise SourceError("Action Network's answer has no `total_signatures`.")
    return _as_count(document["total_signatures"], "total_signatures")


async def _get_ok(url: str, *, session: aiohttp.ClientSession, seconds: float, max_bytes: int) -> Fetched:
    fetched = await fetch_response(url, session=session, timeout=seconds, max_bytes=max_bytes)
    if not fetched.ok:
        raise SourceError(f"{host_label(url)} answered HTTP {fetched.status}.")
    return fetched


def count_from_json(document: Any, path: tuple[str | int, ...] | None) -> int:
    """The count at ``path`` in a decoded JSON document, or under the first usual name found."""
    if path is not None:
        value: Any = document
        for part in path:
            try:
                value = value[part] if isinstance(value, list) and isinstance(part, int) else value[str(part)]
            except (KeyError, IndexError, TypeError):
                shown = ".".join(str(p) for p in path)
                raise SourceError(f"The JSON has nothing at `{_shown(shown)}`.") from None
        return _as_count(value, ".".join(str(p) for p in path))
    containers = [document]
    data = document.get("data") if isinstance(document, dict) else None
    containers.append(data)
    containers.append(data.get("attributes") if isinstance(data, dict) else None)
    for container in containers:
        if isinstance(container, dict):
            for key in COUNT_KEYS:
                if key in container and container[key] is not None:
                    return _as_count(container[key], key)
    raise SourceError(
        "The JSON has no count under a usual name (" + ", ".join(COUNT_KEYS) + "). Add its path after `#`."
    )


def count_from_csv(body: bytes, *, content_type: str = "text/csv") -> int:
    """Signatures in a form-response export: non-blank rows after the header row.

    Counted with the csv module, not by lines, because answers may hold quoted newlines; a leading
    UTF-8 BOM is dropped. A web page instead of CSV means the sheet is not shared publicly.
    """
    text = body.decode("utf-8-sig", errors="replace")
    head = text.lstrip()[:256].lower()
    if content_type == "text/html" or head.startswith(("<!doctype html", "<html")):
        raise SourceError(
            "The sheet sent a web page, not CSV: share it as “anyone with the link” and use its export link."
        )
    rows = 0
    seen_header = False
    for row in csv.reader(io.StringIO(text, newline="")):
        if not any(cell.strip() for cell in row):
            continue
        if seen_header:
            rows += 1
        else:
            seen_header = True
    return rows


def _load_json(fetched: Fetched, what: str) -> Any:
    try:
        return json.loads(fetched.body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SourceError(f"{what} did not send JSON.") from None


def _as_count(value: Any, where: str) -> int:
    """A non-negative int from a JSON value: ints, integral floats and digit strings like ``"1,234"``."""
    count: int | None = None
    if isinstance(value, bool):
        count = None
    elif isinstance(value, int):
        count = value
    elif isinstance(value, float) and value.is_integer():
        count = int(value)
    elif isinstance(value, str) and re.fullmatch(r"\d{1,3}(,\d{3})+|\d+", value.strip()):
        count = int(value.strip().replace(",", ""))
    if count is None:
        raise SourceError(f"The value at `{_shown(where)}` is not a number of signatures.")
    if count < 0:
        raise SourceError(f"The count at `{_shown(where)}` is negative ({count}).")
    return count


def _error_detail(fetched: Fetched, *, secret: str) -> str:
    """The ``error`` text of a JSON error body, secret removed before shortening; empty when none."""
    try:
        document = json.loads(fetched.body.decode("utf-8", errors="replace"))
    except json.JSONDecodeError:
        return ""
    detail = document.get("error") if isinstance(document, dict) else None
    return _shown(redact(detail, (secret,))) if isinstance(detail, str) else ""


def _shown(text: str, limit: int = 120) -> str:
    """User text echoed in a message: one line, backticks removed, cut short."""
    flat = " ".join(text.replace("`", "'").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
