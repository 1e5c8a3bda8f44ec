"""Repairs on the text of an iCalendar file, made before icalendar parses it.

Real feeds break parsers in ways the importer has to survive (see shared/data/ics/SOURCES.md): a
VTIMEZONE block with two TZIDs makes icalendar 7 raise, an empty ``EXDATE:`` makes
recurring-ical-events raise, Windows zone names hide the place's real rules. Each repair is a small
pure function over unfolded content lines, so it is tested on its own and changes nothing else.
"""

from __future__ import annotations

import re

from tasks.sources.tzids import iana_name

_FOLD = re.compile(rb"\r?\n[ \t]")
_TZID_PARAM = re.compile(r'(;TZID=)("([^"]*)"|[^;:"]*)', re.IGNORECASE)


def decode(data: bytes) -> str:
    """Unfold at the byte level (a fold may split a UTF-8 character), then decode; BOM dropped.

    UTF-8 is the standard; old Windows exports are cp1252, and latin-1 reads anything at all.
    """
    unfolded = _FOLD.sub(b"", data)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return unfolded.decode(encoding)
        except UnicodeDecodeError:
            continue
    return unfolded.decode("latin-1")


def content_lines(text: str) -> list[str]:
    """The unfolded text's lines, blank ones dropped (some feeds end blocks with empty lines)."""
    return [line for line in re.split(r"\r\n|\n|\r", text) if line.strip()]


def split_line(line: str) -> tuple[str, str, str]:
    """``(NAME, params, value)``: the first colon outside double quotes ends the name and params."""
    quoted = False
    for i, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            head, value = line[:i], line[i + 1 :]
            name, _, params = head.partition(";")
            return name.strip().upper(), params, value
    return line.strip().upper(), "", ""


def repair(lines: list[str]) -> list[str]:
    """All repairs, in order: the content lines icalendar should parse."""
    return map_zone_names(drop_merged_timezones(drop_empty_date_lists(lines)))


def drop_empty_date_lists(lines: list[str]) -> list[str]:
    """``EXDATE;VALUE=DATE:`` with no value excludes nothing; recurring-ical-events raises on it."""
    kept = []
    for line in lines:
        name, _, value = split_line(line)
        if name not in ("EXDATE", "RDATE") or value.strip():
            kept.append(line)
    return kept


def drop_merged_timezones(lines: list[str]) -> list[str]:
    """Remove each VTIMEZONE block that names more than one TZID.

    Such a block (The Events Calendar's ``TZID:UTC`` + ``TZID:America/Chicago``) cannot say which
    rules belong to which name; without it icalendar resolves the events' IANA TZIDs itself.
    """
    result: list[str] = []
    block: list[str] | None = None
    for line in lines:
        name, _, value = split_line(line)
        if block is None:
            if name == "BEGIN" and value.strip().upper() == "VTIMEZONE":
                block = [line]
            else:
                result.append(line)
            continue
        block.append(line)
        if name == "END" and value.strip().upper() == "VTIMEZONE":
            tzids = [entry for entry in block if split_line(entry)[0] == "TZID"]
            if len(tzids) <= 1:
                result.extend(block)
            block = None
    if block is not None:  # unterminated: leave it for the parser to report
        result.extend(block)
    return result


def map_zone_names(lines: list[str]) -> list[str]:
    """Replace recognised non-IANA zone names in TZID parameters and VTIMEZONE ``TZID:`` lines.

    The VTIMEZONE then carries an IANA name, which icalendar resolves with zoneinfo instead of the
    block's one-rule approximation.
    """
    return [_map_line(line) for line in lines]


def _map_line(line: str) -> str:
    name, params, value = split_line(line)
    if name == "TZID" and not params:
        iana = iana_name(value)
        return f"TZID:{iana}" if iana else line
    if "TZID=" not in params.upper():
        return line
    head_len = len(line) - len(value) - 1

    def swap(m: re.Match[str]) -> str:
        current = m.group(3) if m.group(3) is not None else m.group(2)
        iana = iana_name(current)
        return f"{m.group(1)}{iana}" if iana else m.group(0)

    return _TZID_PARAM.sub(swap, line[:head_len]) + line[head_len:]
