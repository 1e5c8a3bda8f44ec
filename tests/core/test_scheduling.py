"""Scheduled work with a fake clock: reminders at the right instants, once, across restarts and DST."""

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import Core
from bot.clock import FakeClock
from bot.config import Config, DigestSettings
from bot.model import Invocation, Place
from bot.notify import Notifier
from bot.waitlist import refill
from tasks.postman import Postman
from tasks.runner import Runner
from tests.conftest import Bot, RecordingTransport, make_config

NY_7PM_DEC_7 = datetime(2026, 12, 8, 0, 0, tzinfo=UTC)  # Mon Dec 7, 7 p.m. in Durham


@asynccontextmanager
async def _bot_on(tmp_path: Path, clock: FakeClock, config: Config | None = None,
                  transport: RecordingTransport | None = None) -> AsyncIterator[Bot]:
    """A bot on a database file of its own, with the postman's lateness as configured (``transport``:
    one kept across restarts, to see everything sent)."""
    config = config or make_config()
    core = await Core.open(config, db_path=tmp_path / "t.db", clock=clock)
    transport = transport or RecordingTransport()
    try:
        yield Bot(core, Postman(store=core.store, clock=clock, transports=[transport],
                                max_lateness=config.campaign.max_lateness), transport, clock)
    finally:
        await core.close()


async def _deliveries(bot: Bot, state: str | None = None) -> list[tuple[str, str]]:
    async with bot.core.store.snapshot() as tx:
        rows = await tx.deliveries(states=(state,) if state else ())
    return sorted((d.kind, d.state) for d in rows)


async def test_reminders_go_at_each_offset_to_channels_and_volunteers_in_their_zone(bot: Bot) -> None:
    await bot.say("olivia", "channel link reminders", channel="reminders")
    await bot.say("olivia", 'event add Council meeting when:"Dec 7 7pm" where:"City Hall" spots:5')
    await bot.say("ann", "signup 1")
    await bot.say("bo", "signup 1")
    await bot.say("bo", "tz Europe/Berlin")
    await bot.say("cy", "signup 1")
    await bot.say("cy", "reminders off")

    def reminders() -> list:  # type: ignore[type-arg]
        return [s for s in bot.sent if s.key.startswith("reminder:")]

    await bot.run_until(NY_7PM_DEC_7 - timedelta(days=1, seconds=1))
    assert reminders() == []
    await bot.run_until(NY_7PM_DEC_7 - timedelta(days=1))
    assert [s.target.address for s in reminders()] == ["reminders", "ann", "bo"]
    assert bot.dms_to("ann") == [
        "Reminder: Council meeting (#1) starts in 1 day: Mon, Dec 7 · 7:00 PM–9:00 PM EST at City Hall.\n"
        "Still coming?"
    ]
    assert "Tue, Dec 8 · 1:00 AM–3:00 AM CET" in bot.dms_to("bo")[0]
    assert bot.dms_to("cy") == []
    [day_before] = [s for s in bot.sent if s.target.address == "ann"]
    assert [b.action for b in day_before.reply.buttons] == ["confirm 1", "cancel 1"]

    await bot.run_until(NY_7PM_DEC_7)
    two_hours = reminders()[3:]
    assert [s.target.address for s in two_hours] == ["reminders", "ann", "bo"]
    assert "starts in 2 hours" in two_hours[1].text
    assert len({s.key for s in reminders()}) == 6


async def test_cant_make_it_from_the_day_before_message_cancels_and_promotes(bot: Bot) -> None:
    await bot.say("olivia", 'event add Canvass when:"Dec 7 7pm" spots:1')
    await bot.say("ann", "signup 1")
    await bot.say("bo", "signup 1")
    await bot.run_until(NY_7PM_DEC_7 - timedelta(days=1))
    [question] = [s.reply for s in bot.sent if s.target.address == "ann"]
    assert "Thanks for confirming" in await bot.say("ann", question.buttons[0].action)
    assert "Cancelled your spot" in await bot.say("ann", question.buttons[1].action)
    # Less than a day out: bo is offered the spot rather than silently promoted.
    [offer] = bot.dms_to("bo")
    assert "claim it by Sun, Dec 6 · 9:00 PM EST" in offer  # the day too: a deadline near midnight is clear
    assert "It's yours!" in await bot.say("bo", "claim 1")
    await bot.run_until(NY_7PM_DEC_7)
    assert "starts in 2 hours" in bot.dms_to("bo")[-1]


async def _ann_gives_up_her_spot_close_to_the_event(bot: Bot, *waiting: str) -> None:
    """A one-spot event: ann holds it, ``waiting`` queue behind her, and 20 hours before it she cancels."""
    await bot.say("olivia", 'event add Canvass when:"Dec 7 7pm" spots:1')
    for name in ("ann", *waiting):
        await bot.say(name, "signup 1")
    await bot.run_until(NY_7PM_DEC_7 - timedelta(hours=20))
    await bot.say("ann", "cancel 1")


async def test_a_spot_held_for_an_offer_is_not_given_to_a_newcomer(bot: Bot) -> None:
    await _ann_gives_up_her_spot_close_to_the_event(bot, "bo")
    assert "claim it by" in bot.dms_to("bo")[-1]
    assert "number 1 on the waitlist" in await bot.say("cy", "signup 1")
    assert ("No spot has opened for you at #1 yet: you're number 1 on the volunteer waitlist, and I'll message you "
            "as soon as one does.") in await bot.say("cy", "claim 1")  # not told to sign up, already being on the list
    assert "It's yours!" in await bot.say("bo", "claim")  # the one offer bo has
    assert "1/1, full" in await bot.say("olivia", "event 1")


async def test_an_unclaimed_offer_cascades_to_the_next_person(bot: Bot) -> None:
    await _ann_gives_up_her_spot_close_to_the_event(bot, "bo", "cy")
    assert "claim it by" in bot.dms_to("bo")[-1]
    assert "spot offered" in await bot.say("bo", "mine")
    await bot.advance(hours=2)
    assert bot.dms_to("bo")[-1] == (
        "A spot for Canvass (#1) went to the next person because it wasn't claimed in time. You're back on the "
        "waitlist as number 1, and I'll message you if another spot opens; `cancel 1` takes you off it.")
    assert "claim it by" in bot.dms_to("cy")[-1]
    assert "No spot has opened for you at #1 yet: you're number 1" in await bot.say("bo", "claim 1")
    assert "waitlist #1" in await bot.say("bo", "mine")  # a missed message did not cost bo his place
    assert "It's yours!" in await bot.say("cy", "claim 1")
    assert "1/1, full" in await bot.say("olivia", "event 1")


async def test_the_last_unclaimed_offer_says_the_spot_is_open_again(bot: Bot) -> None:
    await _ann_gives_up_her_spot_close_to_the_event(bot, "bo")
    await bot.advance(hours=2)
    lapsed = bot.dms_to("bo")[-1]
    assert "Nobody else is waiting, so the spot is open again" in lapsed and "next person" not in lapsed
    assert "0/1, 1 open" in await bot.say("olivia", "event 1")
    assert "You're in!" in await bot.say("bo", "signup 1")


async def test_an_offer_outstanding_when_the_event_is_cancelled_lapses_quietly(bot: Bot) -> None:
    await _ann_gives_up_her_spot_close_to_the_event(bot, "bo")
    assert "claim it by" in bot.dms_to("bo")[-1]
    await bot.say("olivia", "event cancel 1 Storm warning")
    assert bot.dms_to("bo")[-1].startswith("Cancelled: Canvass")
    mine = await bot.say("bo", "mine")  # nothing left to claim; back in line for the record
    assert "CANCELLED" in mine and "claim" not in mine and "waitlist #1" in mine
    assert "Event #1 (Canvass) was cancelled" in await bot.say("bo", "claim 1")
    async with bot.core.store.snapshot() as tx:
        assert await tx.scalar("SELECT COUNT(*) FROM timers WHERE kind = 'offer-expire' AND state = 'pending'") == 0
    await bot.advance(hours=3)  # past the claim window
    assert bot.dms_to("bo")[-1].startswith("Cancelled: Canvass")  # no "went to the next person"


async def test_far_from_the_event_promotion_is_immediate(bot: Bot) -> None:
    await bot.say("olivia", 'event add Canvass when:"Dec 7 7pm" spots:1')
    await bot.say("ann", "signup 1")
    await bot.say("bo", "signup 1")
    await bot.say("ann", "cancel 1")
    assert "you're now confirmed" in bot.dms_to("bo")[0]


async def test_moving_an_event_moves_its_reminders_and_cancelling_removes_them(bot: Bot) -> None:
    await bot.say("olivia", 'event add Canvass when:"Dec 7 7pm" spots:3')
    await bot.say("ann", "signup 1")
    await bot.say("olivia", 'event edit 1 when:"Dec 9 7pm"')
    await bot.run_until(NY_7PM_DEC_7)
    assert [t for t in bot.dms_to("ann") if t.startswith("Reminder")] == []
    await bot.run_until(NY_7PM_DEC_7 + timedelta(days=1))
    assert "Wed, Dec 9" in [t for t in bot.dms_to("ann") if t.startswith("Reminder")][0]
    await bot.say("olivia", "event cancel 1 Rain")
    await bot.run_until(NY_7PM_DEC_7 + timedelta(days=3))
    assert [t for t in bot.dms_to("ann") if t.startswith("Reminder")][1:] == []
    assert ("reminder", "cancelled") in await _deliveries(bot)


async def test_a_reminder_due_while_the_bot_was_down_goes_late_or_is_skipped(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 12, 1, 12, tzinfo=UTC))
    config = make_config()

    async def boot() -> tuple[Core, Bot]:
        core = await Core.open(config, db_path=tmp_path / "t.db", clock=clock)
        transport = RecordingTransport()
        bot = Bot(core, Postman(store=core.store, clock=clock, transports=[transport],
                                max_lateness=config.campaign.max_lateness), transport, clock)
        await bot.runner.start()
        return core, bot

    core, bot = await boot()
    await bot.say("olivia", 'event add Canvass when:"Dec 7 7pm" spots:3')
    await bot.say("ann", "signup 1")
    await core.close()  # down from here
    clock.set(NY_7PM_DEC_7 - timedelta(days=1) + timedelta(minutes=40))
    core, bot = await boot()  # 40 minutes late: still worth sending
    assert len(bot.dms_to("ann")) == 1
    await core.close()
    clock.set(NY_7PM_DEC_7 - timedelta(minutes=30))  # the 2-hour one is 90 minutes late
    core, bot = await boot()
    assert bot.dms_to("ann") == []
    assert ("reminder", "skipped") in await _deliveries(bot)
    await core.close()


async def test_a_reminder_late_enough_to_mislead_is_skipped_and_never_sent_after_the_start(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 12, 1, 12, tzinfo=UTC))
    async with _bot_on(tmp_path, clock) as bot:
        await bot.say("olivia", 'event add Canvass when:"Dec 7 7pm" remind:"2h,20m" spots:3')
        await bot.say("ann", "signup 1")
        clock.set(NY_7PM_DEC_7 - timedelta(hours=2) + timedelta(minutes=29))  # within a quarter of 2 hours
        await bot.runner.tick()
        await bot.runner.settle()
        assert [d.startswith("Reminder: Canvass (#1) starts in 2 hours") for d in bot.dms_to("ann")] == [True]
        clock.set(NY_7PM_DEC_7 - timedelta(minutes=5))  # "starts in 20 minutes" would be wrong by 15
        await bot.runner.tick()
        await bot.runner.settle()
        assert len(bot.dms_to("ann")) == 1
        async with bot.core.store.snapshot() as tx:
            [skipped] = await tx.deliveries(states=("skipped",))
        assert skipped.key.endswith(":1200:p2") and "too late to be of use" in (skipped.last_error or "")


async def _ann_cancels_while_the_postman_is_away(bot: Bot, *waiting: str) -> None:
    """Like ``_ann_gives_up_her_spot_close_to_the_event``, but nothing is sent: the next in line's offer
    waits in the outbox."""
    await bot.say("olivia", 'event add Canvass when:"Dec 7 7pm" spots:1')
    for name in ("ann", *waiting):
        await bot.say(name, "signup 1")
    bot.clock.set(NY_7PM_DEC_7 - timedelta(hours=20))
    async with bot.core.store.transaction() as tx:
        [ann] = [p for p in await tx.live_signup_people(1) if p.user_id == "ann"]
        event = await tx.event(1)
        assert event is not None
        result = await tx.cancel_signup(event, ann, bot.clock.now())
        assert result is not None
        await refill(Notifier(tx, bot.clock.now(), bot.core.config), result.event, result.role_id)


async def test_an_offer_goes_out_late_while_it_still_stands(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 12, 1, 12, tzinfo=UTC))
    async with _bot_on(tmp_path, clock) as bot:
        await _ann_cancels_while_the_postman_is_away(bot, "bo", "cy")
        clock.advance(minutes=90)  # past the hour of lateness; the 2-hour claim window still stands
        await bot.runner.tick()
        await bot.runner.settle()
        assert "claim it by" in bot.dms_to("bo")[-1]
        assert "It's yours!" in await bot.say("bo", "claim 1")


@pytest.mark.parametrize(("answer", "reply"), [("claim 1", "It's yours!"), ("cancel 1", "Cancelled your offered spot")])
async def test_an_offer_answered_before_it_arrived_is_not_sent_after_all(tmp_path: Path, answer: str,
                                                                         reply: str) -> None:
    clock = FakeClock(datetime(2026, 12, 1, 12, tzinfo=UTC))
    async with _bot_on(tmp_path, clock) as bot:
        await _ann_cancels_while_the_postman_is_away(bot, "bo", "cy")
        bot.transport.fail_next = 100  # the platform is failing: the offer DM waits to be retried
        assert "spot offered" in await bot.say("bo", "mine")  # bo sees it there meanwhile
        assert reply in await bot.say("bo", answer)
        bot.transport.fail_next = 0
        await bot.advance(minutes=30)
        assert not any("claim it by" in dm for dm in bot.dms_to("bo"))
        async with bot.core.store.snapshot() as tx:
            assert [d.state for d in await tx.deliveries() if d.kind == "offer" and d.person_id == 3] == ["cancelled"]


async def test_an_offer_that_never_reached_the_person_lapses_without_blaming_them(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 12, 1, 12, tzinfo=UTC))
    async with _bot_on(tmp_path, clock) as bot:
        await _ann_cancels_while_the_postman_is_away(bot, "bo", "cy")
        clock.advance(hours=3)  # down past the whole claim window
        await bot.runner.tick()
        await bot.runner.settle()
        [lapsed] = bot.dms_to("bo")  # never the offer itself: too late to claim by then
        assert "went to the next person because I couldn't reach you" in lapsed
        assert "claim it by" in bot.dms_to("cy")[-1]
        async with bot.core.store.snapshot() as tx:
            skipped = await tx.deliveries(states=("skipped",))
        assert [d.person_id for d in skipped if d.kind == "offer"] == [3]  # bo's, recorded


def _as_before_migration_5(path: Path) -> None:
    """Undo migrations 5 and later on the file, as an older Turnout left it."""
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE deliveries DROP COLUMN expires_at")
        db.execute("ALTER TABLE series DROP COLUMN tz")  # migration 6
        db.execute("DROP INDEX deliveries_by_event")  # migration 7
        db.execute("PRAGMA user_version = 4")
    db.close()


async def test_messages_planned_before_expiry_existed_get_one_when_the_database_is_upgraded(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 12, 1, 12, tzinfo=UTC))
    async with _bot_on(tmp_path, clock) as bot:
        await _ann_cancels_while_the_postman_is_away(bot, "bo", "cy")  # bo's offer waits in the outbox
    _as_before_migration_5(tmp_path / "t.db")
    clock.advance(hours=3)  # and the bot was down past the claim window
    async with _bot_on(tmp_path, clock) as bot:
        async with bot.core.store.snapshot() as tx:
            pending = await tx.deliveries(states=("pending",))
        assert [d.expires_at for d in pending if d.kind == "offer"] == [NY_7PM_DEC_7 - timedelta(hours=18)]
        reminders = [d.expires_at for d in pending if d.kind in ("reminder", "confirm")]
        assert reminders and set(reminders) == {NY_7PM_DEC_7}  # a reminder ends at its event's start
        await bot.runner.tick()
        await bot.runner.settle()
        assert not any("claim it by" in dm for dm in bot.dms_to("bo"))  # never an offer that has lapsed


async def test_a_reminder_that_is_due_survives_a_re_plan_before_the_postman_sends_it(bot: Bot) -> None:
    await bot.say("olivia", 'event add Canvass when:"Dec 7 7pm" spots:3')
    await bot.say("ann", "signup 1")
    bot.clock.set(NY_7PM_DEC_7 - timedelta(hours=2, minutes=-5))  # the 2-hour reminder is 5 minutes due
    await bot.say("ann", "tz Europe/Berlin")  # re-plans her reminders before the postman's next round
    assert any("starts in 2 hours" in dm for dm in bot.dms_to("ann"))


async def test_a_reminder_due_but_not_sent_goes_out_as_the_event_is_now(bot: Bot) -> None:
    await bot.say("olivia", "channel link reminders", channel="reminders")
    await bot.say("olivia", 'event add Canvass when:"Dec 7 7pm" where:"Old Hall" spots:3 remind:2h')
    await bot.say("ann", "signup 1")
    bot.clock.set(NY_7PM_DEC_7 - timedelta(hours=2, minutes=-5))  # due 5 minutes ago; the postman not round yet
    await bot.say("olivia", 'event edit 1 where:"Union Hall"')
    [reminder] = [dm for dm in bot.dms_to("ann") if "starts in 2 hours" in dm]
    assert "at Union Hall" in reminder and "Old Hall" not in reminder
    [posted] = [p for p in bot.posts_in("reminders") if "starts in 2 hours" in p]
    assert "at Union Hall" in posted
    await bot.say("bo", "signup 1")  # too late for that reminder: none is planned for him
    await bot.advance(minutes=30)
    assert not any("starts in" in dm for dm in bot.dms_to("bo"))


async def test_an_all_day_entrys_morning_reminder_planned_before_expiry_existed_still_goes(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 12, 1, 12, tzinfo=UTC))
    async with _bot_on(tmp_path, clock) as bot:
        await bot.say("olivia", 'event add Vote when:"Dec 8 12am" duration:24h remind:"2h"')
        await bot.say("ann", "signup 1")
    _as_before_migration_5(tmp_path / "t.db")
    async with _bot_on(tmp_path, clock) as bot:
        await bot.run_until(datetime(2026, 12, 8, 13, tzinfo=UTC))  # 8 a.m. in Durham, an hour after it was due
        assert bot.dms_to("ann") == ["Reminder: Vote (#1) is today: Tue, Dec 8 (all day)."]


async def test_a_send_interrupted_by_a_crash_is_reported_and_never_repeated(bot: Bot) -> None:
    await bot.say("olivia", "channel link organizers", channel="organizers")
    await bot.say("olivia", 'event add Canvass when:"Dec 7 7pm" spots:3')
    await bot.say("ann", "signup 1")
    bot.clock.set(NY_7PM_DEC_7 - timedelta(days=1))
    async with bot.core.store.transaction() as tx:
        [row] = await tx.due_deliveries(bot.clock.now(), {"test"})
        assert await tx.claim(row.id, bot.clock.now())  # ...and the process dies before recording
    restarted = Runner(store=bot.core.store, clock=bot.clock, config=bot.core.config, postman=bot.postman)
    await restarted.start()
    [report] = [p for p in bot.posts_in("organizers") if "can't tell whether they arrived" in p]
    assert "#1 confirm, a DM on test" in report
    assert "Ann" not in report  # the post is stored: it must not outlive a forget-me with her name in it
    assert bot.dms_to("ann") == []
    assert ("confirm", "uncertain") in await _deliveries(bot)
    assert "DM Ann" in await bot.say("olivia", "deliveries uncertain")


async def test_concurrent_ticks_send_each_reminder_once(bot: Bot) -> None:
    await bot.say("olivia", "channel link reminders", channel="reminders")
    await bot.say("olivia", 'event add Canvass when:"Dec 7 7pm"')
    for i in range(20):
        await bot.say(f"v{i}", "signup 1")
    bot.clock.set(NY_7PM_DEC_7 - timedelta(days=1))
    other = Runner(store=bot.core.store, clock=bot.clock, config=bot.core.config,
                   postman=Postman(store=bot.core.store, clock=bot.clock, transports=[bot.transport]))
    await asyncio.gather(bot.runner.tick(), other.tick(), bot.runner.tick())
    assert len(bot.sent) == 21 and len({s.key for s in bot.sent}) == 21


async def test_recurring_local_times_hold_across_the_fall_back_change(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 10, 20, 12, tzinfo=UTC))
    async with _bot_on(tmp_path, clock) as bot:
        await bot.say("olivia", "channel link reminders", channel="reminders")
        reply = await bot.say("olivia", 'event add Council when:"Oct 26 7pm" repeat:weekly remind:"2h"')
        assert "Mon, Oct 26 · 7:00 PM–9:00 PM EDT" in reply
        assert "Mon, Nov 2 · 7:00 PM–9:00 PM EST" in reply
        await bot.run_until(datetime(2026, 11, 3, tzinfo=UTC))
        sent_at = [s.key for s in bot.transport.sent]
        assert len(sent_at) == 2  # one per meeting, none doubled by the repeated hour on Nov 1
        async with bot.core.store.snapshot() as tx:
            starts = [e.starts_at for e in await tx.all_events()][:2]
        assert starts == [datetime(2026, 10, 26, 23, tzinfo=UTC), datetime(2026, 11, 3, 0, tzinfo=UTC)]


async def test_an_all_day_entry_reads_as_its_dates_in_every_zone_and_on_every_card(bot: Bot) -> None:
    await bot.say("olivia", 'event add Budget vote when:"Dec 8 12am" duration:24h spots:5')
    await bot.say("bo", "tz America/Los_Angeles")  # Durham's midnight is 9 p.m. the day before here
    await bot.say("bo", "signup 1")
    assert "Budget vote · Tue, Dec 8 (all day)" in await bot.say("bo", "mine")
    [shown] = await bot.ask("bo", "event 1")
    [card] = shown.cards
    # No instant: Discord and Slack would show one in each reader's zone, "9:00 PM" for bo.
    assert card.starts_at is None and card.fields[0].value == "Tue, Dec 8 (all day)"


async def test_an_all_day_entry_on_a_clock_change_day_is_still_reminded_of_at_9_am(bot: Bot) -> None:
    # Sunday March 14, 2027 is 23 hours long in Durham; "1 day before" is 9 a.m. on the Saturday all the same.
    await bot.say("olivia", 'event add Vote when:"2027-03-14 12am" duration:23h remind:"1d,2h"')
    await bot.say("ann", "signup 1")
    async with bot.core.store.snapshot() as tx:
        due = sorted(d.due_at for d in await tx.deliveries() if d.person_id is not None)
    ny = ZoneInfo("America/New_York")
    assert [d.astimezone(ny).replace(tzinfo=None) for d in due] == [datetime(2027, 3, 13, 9), datetime(2027, 3, 14, 7)]


async def test_an_organizer_hears_when_the_time_they_typed_is_skipped_by_the_clocks(bot: Bot) -> None:
    added = await bot.say("olivia", 'event add Early when:"2027-03-14 2:30am"')
    assert "3:30 AM–5:30 AM EDT" in added and added.endswith(
        "Note: There is no 2:30 AM on Sun, Mar 14 2027 (the clocks go forward), so it is 3:30 AM EDT.")
    assert "Note" not in await bot.say("olivia", "event edit 1 where:Hall")  # no new time, nothing to say


async def test_reminders_are_computed_on_instants_across_spring_forward(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 3, 1, 12, tzinfo=UTC))
    async with _bot_on(tmp_path, clock) as bot:
        await bot.say("olivia", 'event add Hearing when:"Mar 9 7pm" remind:"1d"')
        await bot.say("ann", "signup 1")
        await bot.run_until(datetime(2026, 3, 9, 22, tzinfo=UTC))
        [(due, text)] = [(d.due_at, d.state) for d in await _all(bot.core)]
        assert due == datetime(2026, 3, 8, 23, tzinfo=UTC)  # 24 real hours before 7 p.m. EDT
        assert text == "sent"


async def _all(core: Core):  # type: ignore[no-untyped-def]
    async with core.store.snapshot() as tx:
        return await tx.deliveries()


async def test_the_series_window_rolls_forward_as_days_pass(bot: Bot) -> None:
    await bot.say("olivia", 'event add Phone bank when:"Dec 1 6pm" repeat:"every 2 weeks"')
    async with bot.core.store.snapshot() as tx:
        before = len(await tx.all_events())
    await bot.advance(days=30)
    async with bot.core.store.snapshot() as tx:
        events = await tx.all_events()
    assert len(events) == before + 2
    assert all(e.starts_at.astimezone(bot.core.config.campaign.tz).hour == 18 for e in events)


async def test_editing_a_series_changes_this_date_on_and_the_dates_still_to_come(bot: Bot) -> None:
    await bot.say("olivia", 'event add Canvass when:"Dec 1 6pm" where:"Main St" repeat:weekly spots:5')
    async with bot.core.store.snapshot() as tx:
        made = await tx.all_events()
    await bot.say("vic", f"signup {made[2].id}")
    reply = await bot.say("olivia", f'event edit-series {made[1].id} where:"Union Hall" spots:8')
    assert f"Updated {len(made) - 1} dates of the series from #{made[1].id} on" in reply
    assert "told 1 signed-up person" in reply
    assert any("Changed" in dm and "Union Hall" in dm for dm in bot.dms_to("vic"))
    await bot.advance(days=21)  # the window makes new dates from the changed template
    async with bot.core.store.snapshot() as tx:
        after = await tx.all_events()
    assert len(after) > len(made)
    assert [e.location for e in after] == ["Main St"] + ["Union Hall"] * (len(after) - 1)
    assert [e.roles[0].spots for e in after] == [5] + [8] * (len(after) - 1)
    nine = ",".join(f"r{i}=1" for i in range(10))
    assert "At most 10 roles" in await bot.say("olivia", f'event edit-series {after[-1].id} roles:"{nine}"')
    assert "Updated" in await bot.say("olivia", f'event edit-series {after[-1].id} roles:"volunteer=0,lead=1"')
    async with bot.core.store.snapshot() as tx:
        assert [r.name for r in (await tx.all_events())[-1].roles] == ["lead"]
    await bot.say("olivia", 'event add One-off when:"Dec 20 6pm"')
    assert "does not repeat" in await bot.say("olivia", f"event edit-series {len(after) + 1} where:Home")


async def test_a_series_that_starts_beyond_the_window_is_kept_and_fills_in_later(bot: Bot) -> None:
    reply = await bot.say("olivia", 'event add Council watch when:"2027-03-01 7pm" repeat:"1st,3rd mon"')
    assert "Added a series, 1st and 3rd Monday of the month, with 1 date so far" in reply
    assert "#1 Council watch · Mon, Mar 1 2027" in reply  # made at once, so it can be seen, edited or ended
    assert "Mon, Mar 1 2027" in await bot.say("ann", "events")
    await bot.run_until(datetime(2027, 1, 20, tzinfo=UTC))
    async with bot.core.store.snapshot() as tx:
        made = await tx.all_events()
    assert made[0].starts_at == datetime(2027, 3, 2, 0, 0, tzinfo=UTC)  # Mon Mar 1, 7 p.m. in Durham
    assert len(made) > 1 and len({e.source_key for e in made}) == len(made)


async def test_a_series_goes_on_after_its_creator_uses_forget_me(bot: Bot) -> None:
    bot.organizers.add("oscar")
    await bot.say("oscar", 'event add Phone bank when:"Dec 1 6pm" repeat:weekly')
    assert "Done." in await bot.say("oscar", "forget-me confirm")
    async with bot.core.store.snapshot() as tx:
        before = len(await tx.all_events())
        templates = [s.template for s in await tx.active_series()]
    assert templates and all("created_by" not in t for t in templates)  # nothing of oscar is left
    await bot.advance(days=21)
    async with bot.core.store.snapshot() as tx:
        assert len(await tx.all_events()) == before + 3


async def test_ending_a_series_keeps_the_date_cancels_later_ones_and_stops_new_ones(bot: Bot) -> None:
    await bot.say("olivia", 'event add Canvass when:"Dec 1 6pm" repeat:weekly spots:5')
    async with bot.core.store.snapshot() as tx:
        dates = await tx.all_events()
    assert len(dates) >= 4 and {e.series_id for e in dates} == {1}
    await bot.say("vic", f"signup {dates[2].id}")
    await bot.say("vic", f"signup {dates[1].id}")
    refused = await bot.say("vic", f"event end-series {dates[1].id}")
    assert "for organizers only" in refused
    reply = await bot.say("olivia", f"event end-series {dates[1].id}")
    assert f"#{dates[1].id}" in reply and "is its last date" in reply
    assert f"cancelled the {len(dates) - 2} later dates and told 1 signed-up person" in reply
    assert any("Cancelled" in dm and "The repeating event has ended." in dm for dm in bot.dms_to("vic"))
    assert "already ended" in await bot.say("olivia", f"event end-series {dates[0].id}")
    mine = await bot.say("vic", "mine")
    assert f"- #{dates[1].id} " in mine and f"- CANCELLED #{dates[2].id} " in mine  # marked, not hidden
    await bot.say("olivia", 'event add One-off when:"Dec 3 6pm"')
    assert "does not repeat" in await bot.say("olivia", f"event end-series {len(dates) + 1}")
    await bot.advance(days=30)
    async with bot.core.store.snapshot() as tx:
        after = [e for e in await tx.all_events() if e.series_id is not None]
    assert [e.id for e in after] == [e.id for e in dates]  # the window no longer adds dates
    assert [e.is_cancelled for e in after] == [False, False] + [True] * (len(dates) - 2)


async def test_a_postponed_event_is_checked_for_volunteers_once_at_its_new_time(bot: Bot) -> None:
    await bot.say("olivia", "channel link organizers", channel="organizers")
    await bot.say("olivia", 'event add Council when:"Dec 7 7pm" spots:5')
    await bot.say("olivia", 'event edit 1 when:"Dec 17 7pm"')
    await bot.run_until(NY_7PM_DEC_7)
    assert bot.posts_in("organizers") == []  # not at the old time
    await bot.run_until(NY_7PM_DEC_7 + timedelta(days=10))
    [alert] = bot.posts_in("organizers")
    assert "Thu, Dec 17" in alert


async def test_an_edit_in_the_minute_the_staffing_check_falls_due_keeps_it(bot: Bot) -> None:
    await bot.say("olivia", "channel link organizers", channel="organizers")
    await bot.say("olivia", 'event add Council when:"Dec 7 7pm" spots:5')
    bot.clock.set(NY_7PM_DEC_7 - timedelta(days=3))  # the check is due; no tick has run it yet
    await bot.core.dispatcher.dispatch(Invocation(bot.actor("olivia"), Place("test", "general"), "event edit 1 "
                                                  "where:Room 2", bot.clock.now()))
    await bot.runner.tick()
    assert len(bot.posts_in("organizers")) == 1


async def test_understaffed_events_alert_organizers_and_ask_volunteers(bot: Bot) -> None:
    await bot.say("olivia", "channel link organizers", channel="organizers")
    await bot.say("olivia", "channel link reminders", channel="reminders")
    await bot.say("olivia", 'event add Council when:"Dec 7 7pm" roles:"speaker=5,attendee"')
    await bot.say("ann", "signup 1 speaker")
    await bot.run_until(NY_7PM_DEC_7 - timedelta(days=3))
    [alert] = bot.posts_in("organizers")
    assert alert.startswith("Short-staffed: #1 Council") and "still has open spots (speaker: 4)." in alert
    assert "Help needed: Council (#1) still has open spots (speaker: 4)." in bot.posts_in("reminders")[0]


async def test_an_all_day_entry_short_of_people_is_flagged_in_the_morning_not_at_midnight(bot: Bot) -> None:
    await bot.say("olivia", "channel link organizers", channel="organizers")
    await bot.say("olivia", 'event add Tabling when:"Dec 8 12am" duration:24h spots:5')
    await bot.run_until(datetime(2026, 12, 5, 13, 59, tzinfo=UTC))
    assert bot.posts_in("organizers") == []
    await bot.run_until(datetime(2026, 12, 5, 14, 0, tzinfo=UTC))  # 9 a.m. in Durham, three days before
    [alert] = bot.posts_in("organizers")
    assert alert.startswith("Short-staffed: #1 Tabling · Tue, Dec 8 (all day)")


async def test_an_all_day_entrys_short_of_people_check_keeps_9_am_across_a_clock_change(bot: Bot) -> None:
    # The clocks go forward on the 14th.
    await bot.say("olivia", 'event add Tabling when:"2027-03-15 12am" duration:24h spots:5')
    async with bot.core.store.snapshot() as tx:
        due = await tx.scalar("SELECT due_at FROM timers WHERE kind = 'understaffed'")
    assert due == "2027-03-12T14:00:00Z"  # 9 a.m. EST, three days before


async def test_scheduled_announcements_can_be_listed_and_cancelled(bot: Bot) -> None:
    await bot.say("olivia", "channel link announcements", channel="news")
    assert "Announcement #1 will go to 1 channel" in await bot.say("olivia", "announce Doors at 6 at:Dec 7 5pm")
    assert "Announcement #2" in await bot.say("olivia", "announce Thank you! at:Dec 8 9am")
    assert "#1 Mon, Dec 7 · 5:00 PM EST: Doors at 6" in await bot.say("olivia", "announcements")
    assert "will not be sent" in await bot.say("olivia", "announce cancel 2")
    assert "no scheduled announcement #2" in await bot.say("olivia", "announce cancel 2")
    await bot.run_until(NY_7PM_DEC_7 + timedelta(days=2))
    assert bot.posts_in("news") == ["Announcement: Doors at 6"]


async def test_unlinking_a_channel_withdraws_what_was_planned_for_it_there_only(bot: Bot) -> None:
    await bot.say("olivia", "channel link announcements", channel="news")
    await bot.say("olivia", "channel link reminders", channel="news")
    await bot.say("olivia", "channel link reminders", channel="reminders")
    await bot.say("olivia", 'event add Canvass when:"Dec 7 7pm"')
    await bot.say("olivia", "announce Doors at 6 at:Dec 7 5pm")
    reply = await bot.say("olivia", "channel unlink reminders", channel="news")
    assert reply == "Unlinked #news from reminders; 2 planned posts for it here won't be sent."  # 1 day, 2 hours
    assert "Nothing changed" in await bot.say("olivia", "channel unlink reminders", channel="news")
    await bot.run_until(NY_7PM_DEC_7 + timedelta(hours=1))
    assert bot.posts_in("news") == ["Announcement: Doors at 6"]  # its announcements link still stands
    assert len(bot.posts_in("reminders")) == 2


def _digest(day: str = "mon", *, enabled: bool = True) -> Config:
    return replace(make_config(), digest=DigestSettings(enabled=enabled, day=day, time="09:00"))


async def test_the_weekly_digest_lists_the_week_and_the_gaps(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 11, 27, 17, tzinfo=UTC))  # a Friday
    async with _bot_on(tmp_path, clock, _digest()) as bot:
        await bot.runner.start()
        await bot.say("olivia", "channel link announcements", channel="news")
        await bot.say("olivia", 'event add Canvass when:"Dec 3 10am" spots:4')
        await bot.say("olivia", 'event add Later when:"Dec 20 10am" spots:4')
        await bot.say("ann", "signup 1")
        await bot.run_until(datetime(2026, 11, 30, 13, 59, tzinfo=UTC))
        assert bot.posts_in("news") == []
        await bot.run_until(datetime(2026, 11, 30, 14, 0, tzinfo=UTC))  # Monday 9 a.m. in Durham
        [digest] = bot.posts_in("news")
        assert digest.startswith("This week: Durham for the Resolution")
        assert "#1 Canvass" in digest and "Later" not in digest
        assert "Help needed" in digest and "#1 Canvass: volunteer 1/4, 3 open" in digest
        await bot.run_until(datetime(2026, 12, 7, 14, 0, tzinfo=UTC))
        assert len(bot.posts_in("news")) == 2  # and again the next Monday, once


async def test_a_digest_moved_to_another_day_comes_once_a_week_and_stops_when_switched_off(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 11, 27, 17, tzinfo=UTC))  # a Friday
    transport = RecordingTransport()
    async with _bot_on(tmp_path, clock, _digest("mon"), transport) as bot:
        await bot.runner.start()
        await bot.say("olivia", "channel link announcements", channel="news")
    async with _bot_on(tmp_path, clock, _digest("wed"), transport) as bot:  # moved from Monday to Wednesday
        await bot.runner.start()
        await bot.run_until(datetime(2026, 12, 2, 13, 59, tzinfo=UTC))
        assert bot.posts_in("news") == []  # not Monday's
        await bot.run_until(datetime(2026, 12, 2, 14, 0, tzinfo=UTC))  # Wednesday 9 a.m. in Durham
        assert len(bot.posts_in("news")) == 1
    async with _bot_on(tmp_path, clock, _digest("wed", enabled=False), transport) as bot:
        await bot.runner.start()
        await bot.run_until(datetime(2026, 12, 24, 14, 0, tzinfo=UTC))
        assert len(bot.posts_in("news")) == 1
        async with bot.core.store.snapshot() as tx:
            assert await tx.scalar("SELECT COUNT(*) FROM timers WHERE kind = 'digest' AND state = 'pending'") == 0


async def test_a_digest_due_while_the_bot_was_down_still_goes_out(tmp_path: Path) -> None:
    clock = FakeClock(datetime(2026, 11, 27, 17, tzinfo=UTC))  # a Friday
    async with _bot_on(tmp_path, clock, _digest()) as bot:
        await bot.runner.start()
        await bot.say("olivia", "channel link announcements", channel="news")
    clock.set(datetime(2026, 11, 30, 14, 5, tzinfo=UTC))  # down from Friday to Monday 9:05 a.m.
    async with _bot_on(tmp_path, clock, _digest()) as bot:
        await bot.runner.start()
        assert [p.splitlines()[0] for p in bot.posts_in("news")] == ["This week: Durham for the Resolution"]


async def test_organizers_can_list_deliveries_by_state(bot: Bot) -> None:
    await bot.say("olivia", "channel link reminders", channel="reminders")
    await bot.say("olivia", 'event add Canvass when:"Dec 7 7pm" spots:3')
    await bot.say("ann", "signup 1")
    text = await bot.say("olivia", "deliveries")
    assert text.startswith("Deliveries: 4 pending")
    assert "reminder → test #reminders" in text and "confirm → test DM Ann" in text
    assert "· Sun, Dec 6 · 7:00 PM EST" in text  # this year's: no year
    await bot.say("olivia", 'event add Vigil when:"2027-12-07 7pm"')
    assert "· Mon, Dec 6 2027 · 7:00 PM EST" in await bot.say("olivia", "deliveries")
    assert "Not allowed" in await bot.say("ann", "deliveries")
    bot.transport.refuse_dms_to.add("ann")
    await bot.run_until(NY_7PM_DEC_7 - timedelta(days=1))
    failed = await bot.say("olivia", "deliveries failed")
    assert "failed · confirm → test DM Ann" in failed and "refused: Cannot send messages" in failed


async def test_deliveries_list_the_next_to_go_soonest_first_and_what_went_latest_first(bot: Bot) -> None:
    await bot.say("olivia", "channel link reminders", channel="reminders")
    await bot.say("olivia", "channel link announcements", channel="news")
    for week in range(12):  # a quarter's worth of planned reminders, far ahead
        await bot.say("olivia", f'event add Canvass {week} when:"2027-0{1 + week // 4}-{10 + week % 4} 10am"')
    await bot.say("olivia", 'event add Phonebank when:"Nov 29 6pm"')  # its reminder goes out first
    await bot.say("olivia", "announce Doors open at 6 tomorrow!")
    await bot.advance(minutes=1)
    text = await bot.say("olivia", "deliveries")
    first, after = text.split("\nLatest:\n")
    assert first.splitlines()[1] == "Next:"
    assert "reminder → test #reminders · Sat, Nov 28 · 6:00 PM EST" in first.splitlines()[2]  # tomorrow's, first
    assert after.startswith("- ") and "sent · announcement" in after.splitlines()[0]
    assert text.endswith("Not all are listed; `turnout deliveries --json` lists every one.")
    await bot.say("olivia", "event cancel 13")  # its cancelled reminders are not news
    await bot.say("olivia", "event cancel 12")
    after_cancel = await bot.say("olivia", "deliveries")
    assert "sent · announcement" in after_cancel.split("\nLatest:\n")[1].splitlines()[0]
    assert "cancelled ·" not in after_cancel and "cancelled ·" in await bot.say("olivia", "deliveries cancelled")


async def test_deliveries_say_not_all_are_listed_only_when_some_are_not(bot: Bot) -> None:
    await bot.say("olivia", "channel link reminders", channel="reminders")
    for day in range(5):  # two channel reminders each: exactly the ten listed
        await bot.say("olivia", f'event add Canvass {day} when:"Dec {10 + day} 10am"')
    text = await bot.say("olivia", "deliveries")
    assert text.startswith("Deliveries: 10 pending") and text.count("\n- ") == 10
    assert "Not all are listed" not in text
    await bot.say("olivia", 'event add Canvass 5 when:"Dec 15 10am"')
    assert "Not all are listed" in await bot.say("olivia", "deliveries")


async def test_an_all_day_entry_is_reminded_of_in_the_morning_by_date_not_at_10_pm(bot: Bot) -> None:
    # Midnight to midnight, as a council date whose hour is not announced yet is imported.
    await bot.say("olivia", "channel link reminders", channel="reminders")
    await bot.say("olivia", 'event add Budget vote when:"Dec 8 12am" duration:24h spots:5')
    await bot.say("ann", "signup 1")
    await bot.say("bo", "tz Europe/Berlin")
    await bot.say("bo", "signup 1")
    day_before_9am = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)  # 9 a.m. in Durham

    def reminders() -> list:  # type: ignore[type-arg]
        return [s for s in bot.sent if s.key.startswith("reminder:")]

    await bot.run_until(day_before_9am - timedelta(seconds=1))
    assert reminders() == []
    await bot.run_until(day_before_9am)
    assert [s.target.address for s in reminders()] == ["reminders", "ann", "bo"]
    assert bot.dms_to("ann") == ["Reminder: Budget vote (#1) is tomorrow: Tue, Dec 8 (all day).\nStill coming?"]
    assert bot.dms_to("bo") == bot.dms_to("ann")  # a date is the same date in Berlin

    await bot.run_until(datetime(2026, 12, 8, 5, 0, tzinfo=UTC))  # midnight has passed: 10 p.m. sent nothing
    assert len(reminders()) == 3
    await bot.say("bo", "tz America/Chicago")  # re-planning after midnight keeps the morning's reminder
    await bot.run_until(datetime(2026, 12, 8, 12, 0, tzinfo=UTC))  # 7 a.m. in Durham: "2 hours before" 9
    assert [s.target.address for s in reminders()[3:]] == ["reminders", "ann", "bo"]
    assert bot.dms_to("bo")[-1] == "Reminder: Budget vote (#1) is today: Tue, Dec 8 (all day)."
    assert await _deliveries(bot, "pending") == []


async def test_an_event_can_have_no_reminders_and_get_them_back(bot: Bot) -> None:
    await bot.say("olivia", "channel link reminders", channel="reminders")
    assert "Added event: #1" in await bot.say("olivia", 'event add Strategy call when:"Dec 7 7pm" remind:none')
    await bot.say("ann", "signup 1")
    assert "nothing yet" in await bot.say("olivia", "deliveries")  # no reminder, no day-before confirmation
    await bot.run_until(NY_7PM_DEC_7)
    assert bot.dms_to("ann") == [] and bot.posts_in("reminders") == []
    await bot.say("olivia", 'event add Canvass when:"Dec 9 7pm" remind:off')
    await bot.say("olivia", "event edit 2 remind:2h")
    listed = await bot.say("olivia", "deliveries")
    assert listed.startswith("Deliveries: 1 pending") and "reminder → test #reminders · Wed, Dec 9 · 5:00 PM" in listed


async def test_someone_who_already_said_they_are_coming_is_not_asked_again_the_day_before(bot: Bot) -> None:
    await bot.say("olivia", 'event add Canvass when:"Dec 7 7pm" spots:3')
    await bot.say("ann", "signup 1")
    await bot.say("bo", "signup 1")
    assert "Thanks for confirming" in await bot.say("ann", "confirm")
    await bot.run_until(NY_7PM_DEC_7 - timedelta(days=1))
    [ann] = [s.reply for s in bot.sent if s.target.address == "ann"]
    [bo] = [s.reply for s in bot.sent if s.target.address == "bo"]
    assert "starts in 1 day" in ann.text and "Still coming?" not in ann.text
    assert [b.action for b in ann.buttons] == ["cancel 1"]
    assert "Still coming?" in bo.text  # bo has not said


async def test_someone_who_said_they_are_coming_is_asked_again_when_the_event_moves(bot: Bot) -> None:
    await bot.say("olivia", 'event add Canvass when:"Dec 7 7pm" spots:3')
    await bot.say("ann", "signup 1")
    await bot.say("ann", "confirm")
    await bot.say("olivia", 'event edit 1 when:"Dec 14 7pm"')
    await bot.run_until(NY_7PM_DEC_7 + timedelta(days=6))
    assert any("starts in 1 day" in dm and "Still coming?" in dm for dm in bot.dms_to("ann"))
