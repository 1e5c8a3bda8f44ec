"""A volunteer's sign-ups as an iCalendar file, written with the icalendar library."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as VEvent

from bot.domain import Event, Signup
from bot.views import is_whole_days


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "turnout"


def signups_calendar(rows: list[tuple[Event, Signup]], *, campaign: str, now: datetime, home: ZoneInfo) -> bytes:
    """The file; an all-day entry (whole days in the campaign's zone ``home``) as dates, which calendar
    apps show as all-day in any zone."""
    cal = Calendar()
    cal.add("prodid", "-//Turnout//Volunteer sign-ups//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{campaign}: my sign-ups")
    for event, signup in rows:
        item = VEvent()
        item.add("uid", f"event-{event.id}@{_slug(campaign)}.turnout")
        item.add("dtstamp", now)
        if is_whole_days(event, home):
            item.add("dtstart", event.starts_at.astimezone(home).date())
            item.add("dtend", event.ends_at.astimezone(home).date())
        else:
            item.add("dtstart", event.starts_at)
            item.add("dtend", event.ends_at)
        item.add("summary", event.title)
        if event.location:
            item.add("location", event.location)
        status = f"Signed up as {signup.role}." if signup.status == "confirmed" else (
            f"Waitlisted (#{signup.position}) for {signup.role}.")
        item.add("description", "\n\n".join(p for p in (event.about, status, event.link) if p))
        if event.link:
            item.add("url", event.link)
        item.add("status", "CONFIRMED" if signup.status == "confirmed" else "TENTATIVE")
        cal.add_component(item)
    return cal.to_ical()
