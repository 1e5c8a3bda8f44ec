"""How events and sign-ups read in chat: one-line summaries, full cards, and their buttons."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain import Event, Role
from bot.markup import bold, esc, link
from bot.model import Button, Card, Field
from bot.timeparse import format_day, format_time_of_day, format_when

#: A button for every role an event may have (10, plus "Cancel my spot": three rows on Discord, which
#: allows 25 buttons; one actions block on Slack, which allows 25 elements).
MAX_ROLE_BUTTONS = 10
#: The characters a listing may fill before it stops and says what it left out: replies stay under
#: 4,000 characters, and under Discord's and Slack's limits once rendered.
LISTING_BUDGET = 3_000


def fit_lines(lines: list[str], budget: int = LISTING_BUDGET) -> list[str]:
    """The leading lines that fit in ``budget`` characters (at least one, clipped if it must be)."""
    used = 0
    for i, line in enumerate(lines):
        used += len(line) + 1
        if used > budget:
            return lines[:i] if i else [lines[0][: budget - 1] + "…"]
    return lines


def spots_text(role: Role) -> str:
    if role.spots is None:
        return f"{role.confirmed} going, unlimited"
    text = f"{role.confirmed}/{role.spots}"
    text += f", {role.open_spots} open" if role.open_spots else ", full"
    if role.waitlisted:
        text += f", {role.waitlisted} waitlisted"
    return text


def roles_text(event: Event) -> str:
    if len(event.roles) == 1 and event.roles[0].name == "volunteer":
        return spots_text(event.roles[0])
    return "; ".join(f"{esc(r.name)} {spots_text(r)}" for r in event.roles)


def is_whole_days(event: Event, tz: ZoneInfo) -> bool:
    """Midnight to midnight in ``tz``: an all-day calendar entry."""
    begin, end = event.starts_at.astimezone(tz), event.ends_at.astimezone(tz)
    return begin.time() == end.time() == time(0) and end > begin


def all_day_zone(event: Event, tz: ZoneInfo, home: ZoneInfo | None) -> ZoneInfo | None:
    """The campaign's zone ``home`` (else ``tz``) when ``event`` is whole days there, or None for a
    timed event. Only the campaign's zone decides: a date is the same date for every reader, and a
    timed event that happens to run midnight to midnight where a reader is stays timed for them."""
    zone = home if home is not None else tz
    return zone if is_whole_days(event, zone) else None


def when_text(event: Event, tz: ZoneInfo, now: datetime, *, home: ZoneInfo | None = None) -> str:
    """When ``event`` is, in the reader's zone ``tz``; an all-day entry by its dates in the campaign's
    zone ``home``."""
    days_in = all_day_zone(event, tz, home)
    if days_in is not None:
        begin, last = event.starts_at.astimezone(days_in), event.ends_at.astimezone(days_in) - timedelta(days=1)
        days = format_day(begin, now=now)
        return f"{days} (all day)" if last.date() == begin.date() else f"{days} – {format_day(last, now=now)} (all day)"
    end = event.ends_at.astimezone(tz)
    begin = event.starts_at.astimezone(tz)
    # Across a clock change (1:30 AM EDT to 2:30 AM EST is two hours) both ends say their zone.
    start = format_when(event.starts_at, tz, now=now, with_zone=begin.tzname() != end.tzname())
    if end.date() == begin.date():
        return f"{start}–{format_time_of_day(end, tz)} {end.tzname()}"
    return f"{start} – {format_when(event.ends_at, tz, now=now)}"  # past midnight: the end's day too


def event_line(event: Event, tz: ZoneInfo, now: datetime, *, home: ZoneInfo | None = None) -> str:
    """``#3 **Canvass Old North** · Sat, Dec 5 · 10:00 AM EST · Main St · 2/10, 8 open``"""
    parts = [f"#{event.id} {bold(esc(event.title))}", when_text(event, tz, now, home=home)]
    if event.location:
        parts.append(esc(event.location))
    if event.is_cancelled:  # its spots are nobody's any more
        return f"{bold('CANCELLED')} " + " · ".join(parts)
    parts.append(roles_text(event))
    return " · ".join(parts)


def event_card(event: Event, tz: ZoneInfo, now: datetime, *, home: ZoneInfo | None = None) -> Card:
    fields = [Field("When", when_text(event, tz, now, home=home), inline=False)]
    # Platforms show an instant in each reader's own zone; an all-day entry has dates, not an instant.
    timed = all_day_zone(event, tz, home) is None
    if event.location:
        fields.append(Field("Where", esc(event.location), inline=False))
    for role in event.roles:
        fields.append(Field(esc(role.name.capitalize()), spots_text(role)))
    description = esc(event.about)
    if event.is_cancelled:
        reason = f": {esc(event.cancel_reason)}" if event.cancel_reason else ""
        description = f"{bold('Cancelled')}{reason}\n{description}".strip()
    return Card(
        title=f"#{event.id} {event.title}",
        description=description,
        fields=tuple(fields),
        url=event.link,
        footer=f"Sign up: signup {event.id}" + (" <role>" if len(event.roles) > 1 else ""),
        starts_at=event.starts_at if timed else None,
        ends_at=event.ends_at if timed else None,
        event_id=event.id,
    )


def event_buttons(event: Event, now: datetime) -> tuple[Button, ...]:
    if event.is_cancelled or event.starts_at <= now:
        return ()
    if len(event.roles) == 1:
        buttons = [Button("Sign up", f"signup {event.id}")]
    else:
        buttons = [
            Button(f"Sign up: {role.name}"[:80], f"signup {event.id} {role.name}")
            for role in event.roles[:MAX_ROLE_BUTTONS]
        ]
    buttons.append(Button("Cancel my spot", f"cancel {event.id}", style="secondary"))
    return tuple(buttons)


def event_text(event: Event, tz: ZoneInfo, now: datetime, *, home: ZoneInfo | None = None) -> str:
    """The card as plain markup, for places that cannot show cards."""
    lines = [event_line(event, tz, now, home=home)]
    if event.about:
        lines.append(esc(event.about))
    if event.link:
        lines.append(link("More", event.link))
    return "\n".join(lines)
