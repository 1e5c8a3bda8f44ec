"""Recurring events: a series is a rule plus a template; its dates are created ahead as real events.

Each date becomes an ordinary event (keyed ``series:<id>:<local date>``) so people can sign up for
a specific one, and edits or cancellations of one date leave the others alone.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.domain import Event
from bot.notify import Notifier
from bot.recurrence import occurrences, parse_rule
from bot.reminders import plan_event
from bot.store.schedule import Series
from bot.timeparse import localize, zone


async def extend_series(n: Notifier, series: Series, *, through: date | None = None) -> list[Event]:
    """Create the series' events within the rolling window (or up to ``through``) that do not exist yet."""
    tz = zone(series.tz) if series.tz else n.config.campaign.tz
    today = n.now.astimezone(tz).date()
    until = through or (n.now + n.config.campaign.recurrence_window).astimezone(tz).date()
    template = series.template
    created = []
    for day in occurrences(parse_rule(series.rule), series.first_date, today, until):
        key = f"series:{series.id}:{day.isoformat()}"
        if await n.tx.event_by_source(key) is not None:
            continue
        starts = localize(day, series.local_time, tz)
        if starts <= n.now:
            continue
        event = await n.tx.create_event(
            title=template["title"], starts_at=starts, ends_at=starts + timedelta(minutes=series.length_min),
            roles=[(name, spots) for name, spots in template["roles"]], now=n.now, location=template["location"],
            about=template["about"], link=template["link"], remind=template["remind"], kind=template["kind"],
            source_key=key, series_id=series.id, created_by=template.get("created_by"),
        )
        await plan_event(n, event)
        created.append(event)
    return created


async def extend_all(n: Notifier) -> int:
    total = 0
    for series in await n.tx.active_series():
        total += len(await extend_series(n, series))
    return total
