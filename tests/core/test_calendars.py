"""Council calendars into events: the commands, re-imports, changes upstream, failures and Legistar.

Feeds are served by fake servers on 127.0.0.1 (port 0); time is the fake clock's.
"""

from __future__ import annotations

import re
import socket
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from tests.conftest import Bot, Serve
from tests.sources.sources_fakes import LegistarFake, Recorder, ics, ics_app, legistar_events

NY = ZoneInfo("America/New_York")

HEAD = ("BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//CivicPlus//Calendar//EN")
UID = "council-regular@durhamnc.gov"


def regular(*extra: str) -> tuple[str, ...]:
    """1st and 3rd Monday, 7 p.m. in Durham (Dec 7, Dec 21, Jan 4, Jan 18 from the fake clock's Nov 27)."""
    return (
        "BEGIN:VEVENT", f"UID:{UID}", "DTSTAMP:20251001T120000Z",
        "DTSTART;TZID=America/New_York:20261005T190000", "DTEND;TZID=America/New_York:20261005T210000",
        "RRULE:FREQ=MONTHLY;BYDAY=1MO,3MO", "SUMMARY:City Council Regular Meeting",
        "LOCATION:Council Chambers\\, 101 City Hall Plaza", *extra,
        "DESCRIPTION:Public comment sign-up closes at 6:45 p.m.", "URL:https://www.durhamnc.gov/council",
        "END:VEVENT",
    )


def override(day: str, *lines: str) -> tuple[str, ...]:
    return ("BEGIN:VEVENT", f"UID:{UID}", "DTSTAMP:20251001T120000Z",
            f"RECURRENCE-ID;TZID=America/New_York:{day}T190000", *lines, "END:VEVENT")


WORK_SESSION = ("BEGIN:VEVENT", "UID:work-session-20261210@durhamnc.gov", "DTSTAMP:20251001T120000Z",
                "DTSTART:20261210T230000Z", "SUMMARY:Council Work Session", "END:VEVENT")


def feed(*events: tuple[str, ...]) -> bytes:
    return ics(*HEAD, *(line for event in events for line in event), "END:VCALENDAR")


@pytest.fixture
async def feeds(serve: Serve, recorder: Recorder) -> tuple[str, dict[str, bytes]]:
    """A fake municipal site: put bytes at a path of ``feeds`` and they are served at ``base + path``."""
    served: dict[str, bytes] = {"/council.ics": feed(regular(), WORK_SESSION)}
    base = await serve(ics_app(recorder, served))
    return base, served


async def _events(bot: Bot) -> list:  # type: ignore[type-arg]
    async with bot.core.store.snapshot() as tx:
        return await tx.all_events()


async def _add_council(bot: Bot, base: str, *extra: str) -> str:
    return await bot.say("olivia", " ".join(("calendar add Council", f"ics:{base}/council.ics?key=s3cret", *extra)))


async def test_add_imports_upcoming_meetings_with_attend_and_speak_roles(
    bot: Bot, feeds: tuple[str, dict[str, bytes]],
) -> None:
    base, _ = feeds
    reply = await _add_council(bot, base, "speakers:3")
    assert "Added calendar Council (ics: 127.0.0.1): 5 meetings found; 5 new, 0 updated, 0 cancelled" in reply
    events = await _events(bot)
    assert [e.title for e in events] == ["City Council Regular Meeting", "Council Work Session",
                                         "City Council Regular Meeting", "City Council Regular Meeting",
                                         "City Council Regular Meeting"]
    first = events[0]
    assert first.kind == "meeting"
    assert first.starts_at.astimezone(NY) == datetime(2026, 12, 7, 19, 0, tzinfo=NY)
    assert first.location == "Council Chambers, 101 City Hall Plaza"
    assert [(r.name, r.spots) for r in first.roles] == [("attend", None), ("speak", 3)]
    assert first.link == "https://www.durhamnc.gov/council"
    assert first.about == "Public comment sign-up closes at 6:45 p.m.\n\nDetails: https://www.durhamnc.gov/council"
    # Keyed by where it comes from (the secret address only as a hash) and the feed's own id.
    assert first.source_key is not None and first.source_key.startswith("ics:") and "s3cret" not in first.source_key
    assert re.fullmatch(rf"ics:[0-9a-f]{{16}}:{re.escape(UID)}/20261208T000000Z", first.source_key)
    assert "City Council Regular Meeting" in await bot.say("ann", "events")
    listing = await bot.say("olivia", "calendar list")
    assert "Council · ics: 127.0.0.1 · speak spots 3 · last sync Fri, Nov 27" in listing
    assert "s3cret" not in listing and "council.ics" not in listing


async def test_bad_specs_duplicates_and_strangers_are_refused_and_change_nothing(
    bot: Bot, feeds: tuple[str, dict[str, bytes]], recorder: Recorder,
) -> None:
    base, _ = feeds
    assert "is not a calendar source" in await bot.say("olivia", "calendar add Council feed.ics")
    assert "kind of calendar source I know" in await bot.say("olivia", "calendar add Council rss:https://x.org")
    assert "starting with https://" in await bot.say("olivia", "calendar add Council ics:ftp://x.org/a.ics")
    assert "starting with https://" in await bot.say("olivia", "calendar add Council ics:council.ics")
    assert "starting with https://" in await bot.say("olivia", "calendar add Council ics:http://bob:S3CRET@[::1/feed")
    assert "one word such as `durhamcounty`" in await bot.say("olivia", "calendar add County legistar:bad/client")
    assert "`calendar add` needs <spec>" in await bot.say("olivia", "calendar add Council")
    assert "`speakers` must be at least 1" in await bot.say("olivia", f"calendar add C ics:{base}/a speakers:0")
    assert "for organizers only" in await bot.say("ann", f"calendar add Council ics:{base}/council.ics")
    assert recorder.requests == []
    assert "Added calendar" in await _add_council(bot, base)
    assert "already a calendar called `council`" in await bot.say("olivia", f"calendar add council ics:{base}/x")
    twice = await bot.say("olivia", f"calendar add Again ics:{base}/council.ics?key=s3cret")
    assert twice == "Can't do that: That source is already imported as the calendar `Council`."
    assert "no calendar called `Nope`. Calendars: `Council`" in await bot.say("olivia", "calendar remove Nope")
    assert "no calendar called `Nope`" in await bot.say("olivia", "calendar sync Nope")
    # The old `calendar` command (a file of my sign-ups) is still there for everyone.
    assert "no upcoming sign-ups" in await bot.say("ann", "calendar")


async def test_an_unreachable_or_broken_source_is_reported_and_not_added(
    bot: Bot, feeds: tuple[str, dict[str, bytes]],
) -> None:
    base, served = feeds
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    reply = await bot.say("olivia", f"calendar add Council ics:http://127.0.0.1:{port}/council.ics")
    assert reply == "Source problem: Could not connect to The feed at 127.0.0.1."
    assert "answered HTTP 404" in await bot.say("olivia", f"calendar add Council ics:{base}/missing.ics")
    served["/page.ics"] = b"<html><body>Calendar moved</body></html>"
    assert "is not an iCalendar file" in await bot.say("olivia", f"calendar add Council ics:{base}/page.ics")
    assert "No calendars yet" in await bot.say("olivia", "calendar list")
    assert await _events(bot) == []


async def test_re_import_is_idempotent(bot: Bot, feeds: tuple[str, dict[str, bytes]]) -> None:
    base, _ = feeds
    await _add_council(bot, base)
    before = await _events(bot)
    assert await bot.say("olivia", "calendar sync") == "Council: 5 meetings found; 0 new, 0 updated, 0 cancelled."
    await bot.advance(hours=3)  # the hourly syncs too
    assert [(e.id, e.title, e.starts_at) for e in await _events(bot)] == [
        (e.id, e.title, e.starts_at) for e in before]


async def test_a_moved_meeting_is_updated_in_place_and_people_signed_up_are_told(
    bot: Bot, feeds: tuple[str, dict[str, bytes]],
) -> None:
    base, served = feeds
    await _add_council(bot, base)
    await bot.say("ann", "signup 1 speak")
    await bot.say("bo", "signup 2 attend")
    served["/council.ics"] = feed(regular(), override(
        "20261207", "DTSTART;TZID=America/New_York:20261208T180000", "DTEND;TZID=America/New_York:20261208T200000",
        "SUMMARY:City Council Regular Meeting (Tuesday)", "LOCATION:Durham Convention Center",
    ), WORK_SESSION)
    reply = await bot.say("olivia", "calendar sync Council")
    assert reply == "Council: 5 meetings found; 0 new, 1 updated, 0 cancelled (told 1 signed-up person)."
    [moved] = [e for e in await _events(bot) if e.id == 1]
    assert moved.starts_at.astimezone(NY) == datetime(2026, 12, 8, 18, 0, tzinfo=NY)
    assert (moved.title, moved.location) == ("City Council Regular Meeting (Tuesday)", "Durham Convention Center")
    [dm] = bot.dms_to("ann")
    assert dm.startswith("Changed: City Council Regular Meeting (Tuesday) (#1) is now Tue, Dec 8 · 6:00 PM")
    assert "Tue, Dec 8 · 6:00 PM" in dm and "Durham Convention Center" in dm
    assert bot.dms_to("bo") == []
    bot.clock.set(datetime(2026, 12, 7, 22, 0, tzinfo=UTC))
    await bot.run_until(datetime(2026, 12, 7, 23, 0, tzinfo=UTC))  # the day before the new time
    assert "starts in 1 day: Tue, Dec 8" in bot.dms_to("ann")[-1]
    assert len(await _events(bot)) == 5


async def test_a_meeting_cancelled_upstream_by_status_or_title_is_cancelled_with_a_notice(
    bot: Bot, feeds: tuple[str, dict[str, bytes]],
) -> None:
    base, served = feeds
    await _add_council(bot, base)
    await bot.say("ann", "signup 2 speak")  # Dec 10 work session
    await bot.say("bo", "signup 3 attend")  # Dec 21 regular meeting
    cancelled_session = tuple(line.replace("SUMMARY:Council Work Session", "SUMMARY:Council Work Session - CANCELLED")
                              for line in WORK_SESSION)
    served["/council.ics"] = feed(regular(), override(
        "20261221", "DTSTART;TZID=America/New_York:20261221T190000", "STATUS:CANCELLED",
        "SUMMARY:City Council Regular Meeting"), cancelled_session)
    reply = await bot.say("olivia", "calendar sync")
    assert reply == "Council: 5 meetings found; 0 new, 0 updated, 2 cancelled (told 2 signed-up people)."
    assert bot.dms_to("ann") == ["Cancelled: Council Work Session (Thu, Dec 10 · 6:00 PM EST) will not take place. "
                                  "Reason: It was cancelled on the calendar “Council”."]
    assert "City Council Regular Meeting (Mon, Dec 21 · 7:00 PM EST) will not take place" in bot.dms_to("bo")[0]
    assert [e.status for e in await _events(bot)] == ["scheduled", "cancelled", "cancelled", "scheduled", "scheduled"]
    # Seen again, nothing more happens; nobody is told twice.
    assert "0 new, 0 updated, 0 cancelled" in await bot.say("olivia", "calendar sync")
    assert len(bot.dms_to("ann")) == 1


async def test_a_meeting_that_vanishes_upstream_is_cancelled_but_an_empty_feed_cancels_nothing(
    bot: Bot, feeds: tuple[str, dict[str, bytes]],
) -> None:
    base, served = feeds
    await _add_council(bot, base)
    await bot.say("ann", "signup 2 attend")
    served["/council.ics"] = feed()
    assert "so I kept its 5 upcoming events" in await bot.say("olivia", "calendar sync")
    assert all(e.status == "scheduled" for e in await _events(bot))
    served["/council.ics"] = feed(regular())
    assert "0 new, 0 updated, 1 cancelled (told 1" in await bot.say("olivia", "calendar sync")
    assert "Reason: It was removed from the calendar “Council”." in bot.dms_to("ann")[0]


async def test_a_recurring_meeting_stays_at_7pm_local_across_the_november_dst_change(
    bot: Bot, clock: FakeClock, feeds: tuple[str, dict[str, bytes]],
) -> None:
    clock.set(datetime(2026, 10, 1, 16, 0, tzinfo=UTC))
    base, served = feeds
    served["/council.ics"] = feed(regular())
    assert "4 new" in await _add_council(bot, base)
    starts = [e.starts_at for e in await _events(bot)]
    assert [s.astimezone(NY).replace(tzinfo=None) for s in starts] == [
        datetime(2026, 10, 5, 19), datetime(2026, 10, 19, 19), datetime(2026, 11, 2, 19), datetime(2026, 11, 16, 19)]
    assert [s.hour for s in starts] == [23, 23, 0, 0]  # 7 p.m. EDT, then 7 p.m. EST, in UTC
    # Hourly syncs across the change itself (Nov 1, 2 a.m. EDT) leave them where they are.
    clock.set(datetime(2026, 10, 31, 20, 0, tzinfo=UTC))
    await bot.run_until(datetime(2026, 11, 1, 12, 0, tzinfo=UTC))
    assert [e.starts_at for e in await _events(bot)][:4] == starts
    assert "0 new, 0 updated, 0 cancelled" in await bot.say("olivia", "calendar sync")


async def test_organizers_role_and_reminder_edits_survive_a_re_import(
    bot: Bot, feeds: tuple[str, dict[str, bytes]],
) -> None:
    base, served = feeds
    await _add_council(bot, base)
    await bot.say("olivia", 'event edit 1 roles:"speak=8,usher=2" remind:3d,1h about:"Bring a sign"')
    served["/council.ics"] = feed(regular("SEQUENCE:2"), override(
        "20261207", "DTSTART;TZID=America/New_York:20261207T183000", "SUMMARY:City Council Regular Meeting"),
        WORK_SESSION)
    assert "1 updated" in await bot.say("olivia", "calendar sync")
    [event] = [e for e in await _events(bot) if e.id == 1]
    assert [(r.name, r.spots) for r in event.roles] == [("attend", None), ("speak", 8), ("usher", 2)]
    assert (event.remind, event.about) == ("3d,1h", "Bring a sign")
    assert event.starts_at.astimezone(NY).time().isoformat() == "18:30:00"


async def test_a_failing_source_is_reported_once_backs_off_and_its_recovery_is_reported_once(
    bot: Bot, clock: FakeClock, feeds: tuple[str, dict[str, bytes]], recorder: Recorder,
) -> None:
    base, served = feeds
    await bot.say("olivia", "channel link organizers", channel="organizers")
    await _add_council(bot, base)
    good = served.pop("/council.ics")
    start = clock.now()
    await bot.run_until(start + timedelta(hours=40))
    # Syncs at +1 h (fails), then after 2 h, 4 h, 8 h, 12 h, 12 h: +3, +7, +15, +27, +39.
    assert len(recorder.requests) == 1 + 6
    problems = [p for p in bot.posts_in("organizers") if "Calendar problem" in p]
    assert len(problems) == 1
    assert "could not read “Council” (ics: 127.0.0.1) 3 times in a row" in problems[0]
    assert "answered HTTP 404" in problems[0]
    assert "(6 failures in a row): The feed at 127.0.0.1 answered HTTP 404." in await bot.say(
        "olivia", "calendar list")
    served["/council.ics"] = good
    await bot.run_until(start + timedelta(hours=60))
    backs = [p for p in bot.posts_in("organizers") if "Calendar back" in p]
    assert backs == ["Calendar back: “Council” (ics: 127.0.0.1) can be read again; meetings are being imported."]
    assert len([p for p in bot.posts_in("organizers") if "Calendar problem" in p]) == 1
    listing = await bot.say("olivia", "calendar list")
    assert "last error" not in listing
    # Healthy again: hourly.
    count = len(recorder.requests)
    await bot.advance(hours=3)
    assert len(recorder.requests) == count + 3


async def test_removing_a_calendar_stops_the_syncs_and_keeps_its_events(
    bot: Bot, feeds: tuple[str, dict[str, bytes]], recorder: Recorder,
) -> None:
    base, served = feeds
    await _add_council(bot, base)
    await bot.advance(hours=1)
    assert len(recorder.requests) == 2
    reply = await bot.say("olivia", "calendar remove council")
    assert reply == ("Removed calendar Council: I won't import from it any more. Its 5 imported events stay; "
                     "edit or cancel them as usual.")
    await bot.advance(hours=5)
    assert len(recorder.requests) == 2
    assert len([e for e in await _events(bot) if e.status == "scheduled"]) == 5
    assert "You're in!" in await bot.say("ann", "signup 1 speak")
    # Added again, the same feed finds its events (and ann's spot) instead of copying them; they are
    # the new calendar's now, so a meeting dropped from the feed is called off.
    again = await _add_council(bot, base)
    assert "5 meetings found; 0 new, 0 updated, 0 cancelled; 5 were already here from an earlier import" in again
    assert len(await _events(bot)) == 5
    assert "as speak" in await bot.say("ann", "mine")
    served["/council.ics"] = feed(regular())  # the work session is gone
    await bot.advance(hours=1)
    assert [e.title for e in await _events(bot) if e.is_cancelled] == ["Council Work Session"]


async def test_a_feed_added_again_under_a_new_secret_link_finds_its_events_instead_of_copying_them(
    bot: Bot, feeds: tuple[str, dict[str, bytes]],
) -> None:
    base, served = feeds
    await _add_council(bot, base)
    assert "You're in!" in await bot.say("ann", "signup 1 speak")
    await bot.say("olivia", "calendar remove council")  # Google reset the secret address: remove, add anew
    again = await bot.say("olivia", f"calendar add Council ics:{base}/council.ics?key=n3w-s3cret")
    assert "5 meetings found; 0 new, 0 updated, 0 cancelled; 5 were already here from an earlier import" in again
    assert len(await _events(bot)) == 5
    assert "as speak" in await bot.say("ann", "mine")
    served["/council.ics"] = feed(regular())  # they are the new calendar's: a meeting dropped is called off
    await bot.advance(hours=1)
    assert [e.title for e in await _events(bot) if e.is_cancelled] == ["Council Work Session"]


async def test_events_keyed_the_old_way_by_calendar_row_are_found_and_re_keyed(
    bot: Bot, feeds: tuple[str, dict[str, bytes]],
) -> None:
    base, _ = feeds
    await _add_council(bot, base)
    async with bot.core.store.transaction() as tx:  # as a database from before 2026-11 has them
        await tx.run("UPDATE events SET source_key = 'cal:1:' || substr(source_key, 22)")
        assert await tx.scalar("SELECT COUNT(*) FROM events WHERE source_key LIKE 'cal:1:%durhamnc.gov%'") == 5
    await bot.advance(hours=1)
    events = await _events(bot)
    assert len(events) == 5 and all(e.source_key is not None and e.source_key.startswith("ics:") for e in events)


async def test_a_feed_added_twice_before_keys_named_their_source_keeps_both_copies_alive(
    bot: Bot, feeds: tuple[str, dict[str, bytes]],
) -> None:
    base, _ = feeds
    await _add_council(bot, base)
    store = bot.core.store
    async with store.transaction() as tx:  # what the old code allowed: the same feed as a second calendar
        await tx.run("UPDATE events SET source_key = 'cal:1:' || substr(source_key, 22)")
        copy = await tx.add_calendar("Copy", f"ics:{base}/council.ics?key=s3cret", 5, bot.clock.now())
    assert "5 new" in await bot.say("olivia", "calendar sync Copy")
    async with store.transaction() as tx:
        await tx.run("UPDATE events SET source_key = ? || substr(source_key, 22) WHERE calendar_id = ?",
                     (f"cal:{copy.id}:", copy.id))
    assert "You're in!" in await bot.say("bo", "signup 1 speak")
    synced = await bot.say("olivia", "calendar sync")
    assert "0 cancelled" in synced and "5 cancelled" not in synced
    events = await _events(bot)
    assert len(events) == 10 and not any(e.is_cancelled for e in events)
    assert not bot.dms_to("bo")
    await bot.advance(hours=2)  # the hourly syncs agree too
    assert not any(e.is_cancelled for e in await _events(bot))


async def test_the_hourly_sync_imports_new_meetings(bot: Bot, feeds: tuple[str, dict[str, bytes]]) -> None:
    base, served = feeds
    await _add_council(bot, base)
    special = ("BEGIN:VEVENT", "UID:special-20261215@durhamnc.gov", "DTSTAMP:20251001T120000Z",
               "DTSTART;TZID=America/New_York:20261215T170000", "SUMMARY:Special Meeting: Budget", "END:VEVENT")
    served["/council.ics"] = feed(regular(), WORK_SESSION, special)
    await bot.advance(minutes=59)
    assert len(await _events(bot)) == 5
    await bot.advance(minutes=1)
    assert "Special Meeting: Budget" in [e.title for e in await _events(bot)]


async def test_legistar_pages_and_its_errors_are_friendly_replies(
    bot: Bot, serve: Serve, monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = "Board of Commissioners"
    fake = LegistarFake(events=legistar_events(1500, body=body, first=date(2026, 11, 1))
                        + legistar_events(3, body="Planning Board", first=date(2026, 12, 1), first_id=5000))
    base = await serve(fake.app())
    monkeypatch.setattr(bot.core.sources, "legistar_api", f"{base}/v1")  # the gateway's Legistar address
    reply = await bot.say("olivia", f"calendar add County legistar:durhamcounty:{body} speakers:2")
    # Nov 26 (a day back) to Jan 21 (Jan 22 7 p.m. is past the 8 weeks ahead): 57 days.
    assert "Added calendar County (legistar: durhamcounty (Board of Commissioners)): 57 meetings found" in reply
    assert [r.query["$skip"] for r in fake.recorder.requests] == ["0", "1000"]
    assert "EventBodyName eq 'Board of Commissioners'" in fake.recorder.requests[0].query["$filter"]
    events = await _events(bot)
    assert len(events) == 57 - 1 - 6  # Nov 26 is past, and one row in ten is cancelled
    no_time = [e for e in events if e.starts_at.astimezone(NY).hour == 0]
    assert no_time and all(e.ends_at - e.starts_at == timedelta(days=1) for e in no_time)
    assert events[0].link.endswith("_A.pdf") and "Agenda: https://" in events[0].about
    assert "Legistar has no client called `nosuch`" in await bot.say("olivia", "calendar add X legistar:nosuch")
    # The whole client is the same source of meetings (one set of event ids): it would take County's events.
    again = await bot.say("olivia", "calendar add All legistar:DurhamCounty")
    assert "already imported as the calendar `County`" in again
    # Another body of the same client is another set of meetings.
    planning = await bot.say("olivia", "calendar add Planning legistar:durhamcounty:Planning Board")
    assert "Added calendar Planning" in planning
    fake.fail_with = 503
    assert await bot.say("olivia", "calendar sync County") == "County: Source problem: Legistar answered HTTP 503."
    fake.fail_with = None
    fake.reject_all_filters = True
    assert "Legistar rejected the query: The query specified in the URI is not valid." in await bot.say(
        "olivia", "calendar sync County")
    assert "last error (2 failures in a row)" in await bot.say("olivia", "calendar list")
