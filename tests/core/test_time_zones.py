"""Times where volunteers read them: a change of the campaign's zone, other readers' zones, and the
wall-clock times organizers type around clock changes."""

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import Core
from bot.clock import FakeClock
from bot.config import Config
from tasks.postman import Postman
from tests.conftest import Bot, RecordingTransport, make_config

NY = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")


def _in(zone: str) -> Config:
    base = make_config()
    return replace(base, campaign=replace(base.campaign, timezone=zone))


@asynccontextmanager
async def _started(tmp_path: Path, clock: FakeClock, config: Config,
                   transport: RecordingTransport) -> AsyncIterator[Bot]:
    """The bot as the service runs it: started (its start-up round), then stopped."""
    core = await Core.open(config, db_path=tmp_path / "t.db", clock=clock)
    bot = Bot(core, Postman(store=core.store, clock=clock, transports=[transport],
                            max_lateness=config.campaign.max_lateness), transport, clock)
    try:
        await bot.runner.start()
        yield bot
    finally:
        await bot.runner.close()
        await core.close()


async def test_reminders_planned_before_a_change_of_the_campaigns_zone_show_the_new_one(tmp_path: Path) -> None:
    clock, sent = FakeClock(datetime(2026, 12, 1, 12, tzinfo=UTC)), RecordingTransport()
    async with _started(tmp_path, clock, make_config(), sent) as bot:
        await bot.say("olivia", "channel link reminders", channel="reminders")
        await bot.say("olivia", 'event add Canvass when:"Dec 7 7pm"')
        await bot.say("ann", "signup 1")
        await bot.say("bo", "tz Europe/Berlin")
        await bot.say("bo", "signup 1")
    # The campaign is really in Chicago: the organizer fixes the setting and starts the bot again.
    async with _started(tmp_path, clock, _in("America/Chicago"), sent) as bot:
        assert "Mon, Dec 7 · 6:00 PM–8:00 PM CST" in await bot.say("ann", "mine")
        await bot.run_until(datetime(2026, 12, 8, 1, tzinfo=UTC))
    reminders = [s for s in sent.sent if s.key.startswith("reminder:")]
    # The same instants as planned, each once; the text in the new zone for ann (who has none of her
    # own) and the channel, and in Berlin's for bo.
    assert len(reminders) == 6 and len({s.key for s in reminders}) == 6
    for s in reminders:
        berlin = s.target.address == "bo"
        expected = "Tue, Dec 8 · 1:00 AM–3:00 AM CET" if berlin else "Mon, Dec 7 · 6:00 PM–8:00 PM CST"
        assert expected in s.reply.text, (s.target.address, s.reply.text)


async def test_a_series_keeps_the_zone_it_was_made_in_when_the_campaigns_changes(tmp_path: Path) -> None:
    clock, sent = FakeClock(datetime(2026, 12, 1, 12, tzinfo=UTC)), RecordingTransport()
    async with _started(tmp_path, clock, make_config(), sent) as bot:
        await bot.say("olivia", 'event add Phone bank when:"Dec 7 7pm" repeat:weekly')
    async with _started(tmp_path, clock, _in("America/Chicago"), sent) as bot:
        await bot.advance(days=30)
        async with bot.core.store.snapshot() as tx:
            starts = [e.starts_at.astimezone(NY) for e in await tx.all_events()]
    assert len(starts) > 9 and {s.strftime("%a %H:%M") for s in starts} == {"Mon 19:00"}


async def test_a_series_made_before_series_kept_a_zone_keeps_the_campaigns_zone_of_then(tmp_path: Path) -> None:
    clock, sent = FakeClock(datetime(2026, 12, 1, 12, tzinfo=UTC)), RecordingTransport()
    async with _started(tmp_path, clock, make_config(), sent) as bot:
        await bot.say("olivia", 'event add Phone bank when:"Dec 7 7pm" repeat:weekly')
    with sqlite3.connect(tmp_path / "t.db") as db:  # as an older Turnout left it
        db.execute("UPDATE series SET tz = NULL")
        db.execute("DELETE FROM meta WHERE key = 'campaign_tz'")
    async with _started(tmp_path, clock, make_config(), sent):
        pass  # the first start of the new version: the series is given New York
    async with _started(tmp_path, clock, _in("America/Chicago"), sent) as bot:
        await bot.advance(days=30)
        async with bot.core.store.snapshot() as tx:
            starts = [e.starts_at.astimezone(NY) for e in await tx.all_events()]
    assert {s.strftime("%H:%M") for s in starts} == {"19:00"}


async def test_a_timed_event_stays_timed_in_a_reminder_to_a_reader_for_whom_it_runs_midnight_to_midnight(
        bot: Bot) -> None:
    await bot.say("olivia", 'event add Vigil when:"Dec 7 6pm" duration:24h remind:"2h"')
    await bot.say("bo", "tz Europe/Berlin")
    await bot.say("bo", "signup 1")
    await bot.run_until(datetime(2026, 12, 7, 23, tzinfo=UTC))
    [dm] = bot.dms_to("bo")
    assert "starts in 2 hours: Tue, Dec 8 · 12:00 AM – Wed, Dec 9 · 12:00 AM CET." in dm, dm


async def test_a_weekly_series_typed_in_the_spring_forward_gap_keeps_the_typed_time_other_weeks(bot: Bot) -> None:
    reply = await bot.say("olivia", 'event add Night patrol when:"2027-03-14 2:30am" repeat:weekly')
    assert "There is no 2:30 AM" in reply
    await bot.run_until(datetime(2027, 3, 1, tzinfo=UTC))
    async with bot.core.store.snapshot() as tx:
        times = [e.starts_at.astimezone(NY).strftime("%m-%d %H:%M") for e in await tx.all_events()][:3]
    assert times == ["03-14 03:30", "03-21 02:30", "03-28 02:30"]


async def test_an_announcement_scheduled_at_a_time_the_clocks_skip_gets_the_note(bot: Bot) -> None:
    await bot.say("olivia", "channel link announcements", channel="news")
    reply = await bot.say("olivia", 'announce Polls open soon at:"2027-03-14 2:30am"')
    assert "3:30 AM EDT" in reply
    assert reply.endswith("Note: There is no 2:30 AM on Sun, Mar 14 2027 (the clocks go forward), so it is "
                          "3:30 AM EDT."), reply


async def test_until_a_time_of_day_before_the_start_ends_the_next_morning(bot: Bot) -> None:
    added = await bot.say("olivia", 'event add Late canvass when:"Dec 5 10pm" until:"1am"')
    assert "Sat, Dec 5 · 10:00 PM – Sun, Dec 6 · 1:00 AM EST" in added, added
    refused = await bot.say("olivia", 'event add Backwards when:"Dec 5 10pm" until:"Dec 5 9pm"')
    assert "must be after the start" in refused  # a date given says which day: no guessing


async def test_a_zone_with_no_summer_time_is_taken_with_a_note_and_a_seasons_clock_is_refused(bot: Bot) -> None:
    gmt = await bot.say("ann", "tz GMT")
    assert gmt.startswith("Times will show in GMT for you")
    assert gmt.endswith("Note: `GMT` keeps one clock all year, with no summer time. If your clocks change, choose "
                        "your place instead: `tz Europe/London` in the UK, for example.")
    assert "Note" not in await bot.say("ann", "tz Europe/London")
    assert "`Etc/GMT+5` keeps one clock all year, UTC-5 (its sign is the other way round)" in await bot.say(
        "ann", "tz Etc/GMT+5")
    assert "Note" not in await bot.say("ann", "tz Asia/Tokyo")  # a place without summer time is what it says
    refused = await bot.say("ann", "tz EST")
    assert "`EST` names a clock, not a place" in refused and "`America/New_York` (US Eastern)" in refused
    assert "your time zone is asia/tokyo" in (await bot.say("ann", "tz")).lower()  # the refusal changed nothing


async def test_a_zone_can_be_named_by_its_city_alone(bot: Bot) -> None:
    assert (await bot.say("ann", "tz Los Angeles")).startswith("Times will show in America/Los_Angeles for you")
    assert (await bot.say("ann", "tz chicago")).startswith("Times will show in America/Chicago for you")
    unknown = await bot.say("ann", "tz Durham")
    assert "I don't know the time zone `Durham`" in unknown and "a big city on your clock" in unknown
    assert "America/Chicago" in await bot.say("ann", "tz")  # the refusal changed nothing


async def test_a_city_in_several_zones_or_none_is_not_guessed(bot: Bot) -> None:
    for city in ("Victoria", "San Juan", "Samoa"):  # a state, Argentina's (not Puerto Rico's), an old alias
        assert "I don't know the time zone" in await bot.say("ann", f"tz {city}"), city
    assert "America/Puerto_Rico" in await bot.say("ann", "tz Puerto Rico.")
