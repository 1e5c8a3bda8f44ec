"""Repeat rules people type (``weekly``, ``every 2 weeks``, ``1st,3rd mon``) and the dates they give.

Dates, not instants: an occurrence's local time is applied afterwards in the campaign's zone, so a
7 p.m. meeting stays 7 p.m. on both sides of a daylight-saving change.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.errors import UsageError
from bot.markup import esc

_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_ORDINALS = {"1st": 1, "first": 1, "2nd": 2, "second": 2, "3rd": 3, "third": 3, "4th": 4, "fourth": 4,
             "5th": 5, "fifth": 5, "last": -1}
EXAMPLES = '`weekly`, `every 2 weeks`, `1st,3rd mon` or `last fri`'


@dataclass(frozen=True)
class Rule:
    #: ``weekly`` (every ``interval`` weeks) or ``monthly`` (the ``ordinals`` of ``weekday``).
    kind: str
    interval: int = 1
    weekday: int = 0
    ordinals: tuple[int, ...] = ()

    def describe(self) -> str:
        if self.kind == "weekly":
            return "every week" if self.interval == 1 else f"every {self.interval} weeks"
        names = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th", -1: "last"}
        day = calendar.day_name[self.weekday]
        return " and ".join(names[o] for o in self.ordinals) + f" {day} of the month"


def parse_rule(text: str) -> Rule:
    raw = " ".join(text.lower().replace(",", " , ").split())
    if raw in ("weekly", "every week"):
        return Rule("weekly")
    if raw in ("biweekly", "fortnightly", "every other week"):
        return Rule("weekly", interval=2)
    if m := re.fullmatch(r"every (\d{1,2}) weeks?", raw):
        interval = int(m.group(1))
        if not 1 <= interval <= 52:
            raise UsageError("A repeat can be every 1 to 52 weeks.")
        return Rule("weekly", interval=interval)
    words = [w for w in re.split(r"[\s,]+|\band\b", raw) if w and w not in ("of", "the", "month", "every")]
    if len(words) >= 2:
        day = words[-1].rstrip("s")[:3]
        ordinals = words[:-1]
        if day in _WEEKDAYS and all(o in _ORDINALS for o in ordinals):
            return Rule("monthly", weekday=_WEEKDAYS[day], ordinals=tuple(sorted({_ORDINALS[o] for o in ordinals},
                                                                                   key=lambda o: (o < 0, o))))
    raise UsageError(f"I can't read `{esc(text[:40])}` as a repeat. Try {EXAMPLES}.")


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    days = [d for d in calendar.Calendar().itermonthdates(year, month) if d.month == month and d.weekday() == weekday]
    if nth == -1:
        return days[-1]
    return days[nth - 1] if nth <= len(days) else None


def occurrences(rule: Rule, first: date, start: date, end: date) -> list[date]:
    """Dates of ``rule`` from ``first`` on, within ``start``..``end`` inclusive."""
    start = max(start, first)
    if start > end:
        return []
    if rule.kind == "weekly":
        step = timedelta(weeks=rule.interval)
        skipped = (start - first).days // step.days
        day = first + skipped * step
        if day < start:
            day += step
        out = []
        while day <= end:
            out.append(day)
            day += step
        return out
    out = []
    year, month = start.year, start.month
    while date(year, month, 1) <= end:
        for nth in rule.ordinals:
            day = _nth_weekday(year, month, rule.weekday, nth)
            if day is not None and start <= day <= end:
                out.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return sorted(set(out))
