"""Council meetings into events: the import rules, with no network in sight.

``tasks/`` fetches meetings (an iCalendar feed, the Legistar API, a file) and hands them here
inside one transaction. An imported meeting is an ordinary event of kind ``meeting`` with an
``attend`` and a ``speak`` role, keyed by where it comes from and the source's own id for it
(``source_key``) so re-importing updates instead of duplicating, even through a calendar removed
and added again. What the calendar owns (title, time, place) follows the
calendar; what organizers own (roles, spots, reminder offsets, the description) is left alone.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol
from urllib.parse import urlsplit

from bot.config import Config
from bot.errors import NotFound, TurnoutError, UsageError
from bot.event_changes import after_edit, cancel_event
from bot.gateway import Sources
from bot.markup import bold, esc
from bot.model import Reply
from bot.notify import Notifier
from bot.reminders import plan_event
from bot.store.calendars import Calendar
from bot.timeparse import iso_utc

KIND = "meeting"
#: The timer that re-imports a calendar; its ref is the calendar's id.
SYNC_TIMER = "calendar-sync"
SYNC_EVERY = timedelta(hours=1)
MAX_BACKOFF = timedelta(hours=12)
#: Failures in a row before organizers hear about it (once).
REPORT_AFTER = 3

ATTEND, SPEAK = "attend", "speak"
MAX_TITLE, MAX_LOCATION, MAX_ABOUT = 200, 300, 2000
MAX_NAME = 60

_LEGISTAR_CLIENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class MeetingLike(Protocol):
    """What the importer reads of ``tasks.sources.Meeting`` (the core does not import tasks)."""

    @property
    def source_id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime: ...
    @property
    def location(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def links(self) -> tuple[tuple[str, str], ...]: ...
    @property
    def cancelled(self) -> bool: ...


# --- where a calendar comes from ---------------------------------------------------------------


@dataclass(frozen=True)
class CalendarSpec:
    kind: Literal["ics", "legistar", "file"]
    url: str = ""
    client: str = ""
    body: str = ""
    filename: str = ""

    def __str__(self) -> str:
        if self.kind == "ics":
            return f"ics:{self.url}"
        if self.kind == "legistar":
            return f"legistar:{self.client}" + (f":{self.body}" if self.body else "")
        return f"file:{self.filename}"

    @property
    def label(self) -> str:
        """For lists and messages: feed URLs are often secret links, so only the host is shown."""
        if self.kind == "ics":
            return f"ics: {urlsplit(self.url).hostname or 'web'}"
        if self.kind == "legistar":
            return f"legistar: {self.client}" + (f" ({self.body})" if self.body else "")
        return f"file: {self.filename}"

    @property
    def syncs(self) -> bool:
        """Whether the bot can fetch it again by itself (a file cannot)."""
        return self.kind != "file"


SPEC_HELP = "Give `ics:<https address of the feed>` or `legistar:<client>` (optionally `legistar:<client>:<body>`)."


def parse_spec(text: str, *, allow_file: bool = False) -> CalendarSpec:
    """``ics:https://...``, ``legistar:durhamcounty`` or ``legistar:durhamcounty:Board of Commissioners``."""
    kind, sep, rest = text.strip().partition(":")
    kind, rest = kind.lower(), rest.strip()
    if not sep or not rest:
        raise UsageError(f"`{esc(text[:60])}` is not a calendar source. {SPEC_HELP}")
    if kind == "ics":
        not_an_address = UsageError(f"After `ics:` comes the feed's web address, starting with https://. {SPEC_HELP}")
        try:
            parts = urlsplit(rest)
        except ValueError:  # e.g. an unclosed IPv6 bracket
            raise not_an_address from None
        if (parts.scheme.lower() not in ("http", "https") or not parts.hostname or len(rest) > 2048
                or any(c.isspace() for c in rest)):
            raise not_an_address
        return CalendarSpec("ics", url=rest)
    if kind == "legistar":
        client, _, body = rest.partition(":")
        client, body = client.strip(), " ".join(body.split())
        if not _LEGISTAR_CLIENT.fullmatch(client):
            raise UsageError("A Legistar client is one word such as `durhamcounty` (from webapi.legistar.com/v1/…).")
        if len(body) > 100:
            raise UsageError("That Legistar body name is too long (100 characters at most).")
        return CalendarSpec("legistar", client=client.lower(), body=body)
    if kind == "file" and allow_file:
        return CalendarSpec("file", filename=rest)
    raise UsageError(f"`{esc(kind[:20])}:` is not a kind of calendar source I know. {SPEC_HELP}")


# --- applying what was fetched -----------------------------------------------------------------


@dataclass
class ImportSummary:
    found: int = 0
    new: int = 0
    updated: int = 0
    cancelled: int = 0
    #: People told about a change or a cancellation.
    told: int = 0
    #: Upcoming imported events kept although the source returned no meeting at all (see below).
    kept_on_empty: int = 0
    #: Events found already imported through another calendar (since removed), now this one's.
    adopted: int = 0

    def text(self) -> str:
        line = f"{self.new} new, {self.updated} updated, {self.cancelled} cancelled"
        if self.told:
            line += f" (told {self.told} signed-up {'person' if self.told == 1 else 'people'})"
        if self.adopted:
            line += (f"; {self.adopted} {'was' if self.adopted == 1 else 'were'} already here from an earlier "
                     "import and kept their sign-ups")
        if self.kept_on_empty:
            line += (f"; the source listed no meetings at all, so I kept its {self.kept_on_empty} upcoming "
                     "events rather than cancel them")
        return line


def source_origin(spec: CalendarSpec) -> str:
    """Where meetings come from, as far as their identity goes. A feed's address can be a secret link,
    so it is kept only as a hash; a Legistar client's event ids are the client's, whichever body."""
    if spec.kind == "legistar":
        return f"legistar:{spec.client}"
    return f"{spec.kind}:{hashlib.sha256((spec.url or spec.filename).encode()).hexdigest()[:16]}"


def source_key(origin: str, meeting: MeetingLike) -> str:
    """The meeting, whichever calendar brought it in (``origin``: ``source_origin`` of its spec): the
    same feed removed and added again finds its events (and the people signed up for them) instead
    of copying them."""
    return f"{origin}:{meeting.source_id}"


def _legacy_key(calendar: Calendar, meeting: MeetingLike) -> str:
    """How meetings were keyed before 2026-11 (by calendar row); such events are re-keyed when met."""
    return f"cal:{calendar.id}:{meeting.source_id}"


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def meeting_about(meeting: MeetingLike) -> str:
    """The description with the agenda/minutes links after it, stored as plain text (views escape)."""
    links = "\n".join(f"{title}: {href}" for title, href in meeting.links)
    room = MAX_ABOUT - len(links) - 2
    description = _clip(meeting.description, room) if room > 20 else ""
    about = "\n\n".join(part for part in (description, links) if part)
    return _clip(about, MAX_ABOUT)


async def apply_meetings(
    n: Notifier,
    calendar: Calendar,
    meetings: Sequence[MeetingLike],
    *,
    until: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Bring the calendar's events in line with ``meetings``, inside the caller's transaction.

    ``until`` is the end of the window the meetings were fetched for: an upcoming event of this
    calendar that starts before it and is missing from ``meetings`` was removed upstream. Meetings
    and events that have already started are history and are left alone.
    """
    summary = ImportSummary(found=len(meetings))
    seen: set[str] = set()
    total = len(meetings)
    origin = source_origin(parse_spec(calendar.spec, allow_file=True))
    for done, meeting in enumerate(meetings, start=1):
        key = source_key(origin, meeting)
        if key not in seen:
            seen |= {key, _legacy_key(calendar, meeting)}
            await _apply_one(n, calendar, meeting, key, summary)
        if progress is not None:
            progress(done, total)
    upcoming = await n.tx.calendar_events(calendar.id, after=n.now, before=until)
    gone = [e for e in upcoming if e.source_key not in seen]
    if gone and not meetings:
        # A feed that suddenly lists nothing is far more often a glitch (a maintenance page served
        # as an empty calendar) than a council that dropped every meeting; cancelling them all
        # would DM every volunteer. The next sync with content settles it.
        summary.kept_on_empty = len(gone)
        return summary
    for event in gone:
        summary.told += await cancel_event(n, event, f"It was removed from the calendar “{calendar.name}”.")
        summary.cancelled += 1
    return summary


async def _apply_one(n: Notifier, calendar: Calendar, meeting: MeetingLike, key: str, summary: ImportSummary) -> None:
    existing = await n.tx.event_by_source(_legacy_key(calendar, meeting)) or await n.tx.event_by_source(key)
    if existing is None and key.startswith("ics:"):  # the feed's secret link was reset: the same meetings
        existing = await n.tx.orphan_by_source_id("ics", meeting.source_id, _clip(meeting.title, MAX_TITLE),
                                                  meeting.start)
    if existing is not None:
        owner = await n.tx.adopt_event(existing.id, calendar.id, key)
        if owner == "theirs":  # another calendar imports it too (a duplicate added before 2026-11): its own
            return
        if owner == "adopted":  # imported before through a calendar since removed: found, not copied
            summary.adopted += 1
    if existing is None:
        if meeting.cancelled or meeting.start <= n.now:
            return
        event = await n.tx.create_event(
            title=_clip(meeting.title, MAX_TITLE) or "Meeting",
            starts_at=meeting.start,
            ends_at=meeting.end,
            roles=[(ATTEND, None), (SPEAK, calendar.speak_spots)],
            now=n.now,
            location=_clip(meeting.location, MAX_LOCATION),
            about=meeting_about(meeting),
            link=meeting.links[0][1] if meeting.links else "",
            kind=KIND,
            source_key=key,
            calendar_id=calendar.id,
        )
        await plan_event(n, event)
        summary.new += 1
        return
    if existing.is_cancelled or existing.starts_at <= n.now:
        return  # cancelled here (by an organizer or an earlier import) or already history
    if meeting.cancelled:
        summary.told += await cancel_event(n, existing, f"It was cancelled on the calendar “{calendar.name}”.")
        summary.cancelled += 1
        return
    if meeting.start <= n.now:
        return
    wanted = {
        "title": _clip(meeting.title, MAX_TITLE) or "Meeting",
        "starts_at": meeting.start,
        "ends_at": meeting.end,
        "location": _clip(meeting.location, MAX_LOCATION),
    }
    current = {"title": existing.title, "starts_at": existing.starts_at, "ends_at": existing.ends_at,
               "location": existing.location}
    changes = {k: v for k, v in wanted.items() if current[k] != v}
    if not changes:
        return
    await n.tx.update_event(existing.id, changes, n.now)
    _, told, _ = await after_edit(n, existing)
    summary.updated += 1
    summary.told += told


# --- keeping it in sync ------------------------------------------------------------------------


def next_sync_after(failures: int) -> timedelta:
    """Hourly; after failures 2 h, 4 h, 8 h... and never more than 12 h."""
    return min(SYNC_EVERY * (2 ** min(failures, 8)), MAX_BACKOFF)


async def schedule_sync(n: Notifier, calendar_id: int, delay: timedelta) -> None:
    """Replace any pending sync of this calendar with one ``delay`` from now."""
    await n.tx.cancel_timers(kind=SYNC_TIMER, ref=calendar_id)
    due = n.now + delay
    await n.tx.set_timer(f"{SYNC_TIMER}:{calendar_id}:{iso_utc(due)}", SYNC_TIMER, calendar_id, due, n.now)


async def record_success(n: Notifier, calendar: Calendar) -> None:
    """The sync worked: clear the failure count, say so once if organizers had been told it was broken."""
    if calendar.failure_reported:
        await n.to_channels("organizers", Reply(
            f"{bold('Calendar back')}: “{esc(calendar.name)}” ({esc(spec_label(calendar))}) "
            "can be read again; meetings are being imported.", visibility="channel",
        ), kind="calendar-recovered")
    await n.tx.calendar_synced(calendar.id, n.now)
    if parse_spec(calendar.spec, allow_file=True).syncs:
        await schedule_sync(n, calendar.id, SYNC_EVERY)


async def record_failure(n: Notifier, calendar: Calendar, error: str) -> int:
    """Count the failure, back off, and tell organizers once when it keeps failing. Returns the count."""
    failures = await n.tx.calendar_failed(calendar.id, error)
    if failures >= REPORT_AFTER and not calendar.failure_reported:
        await n.to_channels("organizers", Reply(
            f"{bold('Calendar problem')}: I could not read “{esc(calendar.name)}” "
            f"({esc(spec_label(calendar))}) {failures} times in a row. Last error: {esc(error)}\n"
            f"I'll keep trying, less often. `calendar sync {esc(calendar.name)}` tries now; "
            f"`calendar list` shows the state.", visibility="channel",
        ), kind="calendar-failing")
        await n.tx.set_calendar_failure_reported(calendar.id, True)
    if parse_spec(calendar.spec, allow_file=True).syncs:
        await schedule_sync(n, calendar.id, next_sync_after(failures))
    return failures


def spec_label(calendar: Calendar) -> str:
    """The calendar's source for people: kind and host, never a full (possibly secret) address."""
    try:
        return parse_spec(calendar.spec, allow_file=True).label
    except UsageError:
        return "unknown source"


Begin = Callable[[], AbstractAsyncContextManager[Notifier]]


async def sync_calendar(
    calendar: Calendar, *, sources: Sources, config: Config, now: datetime, begin: Begin,
) -> ImportSummary:
    """Fetch and apply one calendar; record the outcome (and schedule the next sync) either way.

    A TurnoutError from the source is recorded as a failure and raised again for the caller to show.
    Serves the hourly ``calendar-sync`` timer and the ``calendar add`` / ``calendar sync`` commands
    alike, so both count failures and back off the same way.
    """
    try:
        meetings, until = await sources.calendar_meetings(calendar.spec, now=now)
    except TurnoutError as exc:
        async with begin() as n:
            current = await n.tx.calendar(calendar.id)
            if current is not None:
                await record_failure(n, current, exc.message)
        raise
    async with begin() as n:
        current = await n.tx.calendar(calendar.id)
        if current is None:
            raise NotFound(f"The calendar “{calendar.name}” was removed while it was being read.")
        summary = await apply_meetings(n, current, meetings, until=until)
        await record_success(n, current)
    return summary
