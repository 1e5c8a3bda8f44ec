"""Sign-ups, waitlists and promotion, as volunteers and organizers see them."""

import asyncio
import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from bot.domain import Person
from bot.handlers.signups import _sign_up_unit
from bot.model import Actor, Invocation, Place
from bot.store.people import upsert_people
from bot.store.signups import SignupDesk
from tests.conftest import Bot

COUNCIL = 'event add Council meeting when:"Dec 7 7pm" where:"101 City Hall Plaza" roles:"speaker=2,attendee"'


async def test_an_organizer_adds_an_event_and_gets_its_id(bot: Bot) -> None:
    reply = await bot.say("olivia", COUNCIL)
    assert reply.startswith("Added event: #1 Council meeting · Mon, Dec 7 · 7:00 PM–9:00 PM EST")
    listing = await bot.say("vera", "events")
    assert "#1 Council meeting" in listing
    assert "speaker 0/2, 2 open; attendee 0 going, unlimited" in listing


async def test_past_times_and_bad_capacity_are_refused_with_the_reason(bot: Bot) -> None:
    assert "in the past" in await bot.say("olivia", "event add Old when:2026-11-01 10:00")
    assert "must be after the start" in await bot.say("olivia", "event add X when:mon 7pm until:6pm")
    assert "at least 1" in await bot.say("olivia", "event add X when:mon 7pm spots:-3")
    assert "at least 1" in await bot.say("olivia", 'event add X when:mon 7pm roles:"speaker=0"')
    assert "No upcoming events" in await bot.say("olivia", "events")


async def test_a_time_without_am_or_pm_is_read_as_a_person_would(bot: Bot) -> None:
    morning = await bot.say("olivia", 'event add Breakfast when:"Dec 7 7:00" until:9:30')
    assert "Mon, Dec 7 · 7:00 AM–9:30 AM EST" in morning  # 7:00 is the morning, and the end follows it
    assert "Note: `7:00` is read as 7:00 AM. For the evening, write `7:00pm` or `19:00`." in morning
    evening = await bot.say("olivia", 'event add Council when:"Dec 7 7pm" until:9:30')
    assert "Mon, Dec 7 · 7:00 PM–9:30 PM EST" in evening
    assert evening.endswith("\nNote: `until:9:30` is read as 9:30 PM, the first after the start.")
    past_midnight = await bot.say("olivia", 'event add Vigil when:"Dec 7 7pm" until:12:30')
    assert "Mon, Dec 7 · 7:00 PM – Tue, Dec 8 · 12:30 AM EST" in past_midnight
    workday = await bot.say("olivia", 'event add Phonebank when:"Dec 8 9:00" until:5:00')
    assert "Tue, Dec 8 · 9:00 AM–5:00 PM EST" in workday
    late = await bot.say("olivia", 'event add Late vigil when:"Dec 8 10pm" until:1:00')
    assert "Tue, Dec 8 · 10:00 PM – Wed, Dec 9 · 1:00 AM EST" in late  # into the next morning, as before
    assert "must be after the start" in await bot.say("olivia", "event add X when:mon 7pm until:6pm")
    assert "Note" not in await bot.say("olivia", 'event add Y when:"Dec 9 07:00"')  # a 24-hour time says what it is


async def test_an_event_added_twice_is_added_with_a_note_naming_the_first(bot: Bot) -> None:
    assert "Note" not in await bot.say("olivia", "event add Canvass when:Dec 12 10am spots:5")
    again = await bot.say("olivia", "event add canvass when:Dec 12 10am spots:5")
    assert again.startswith("Added event: #2")
    assert again.endswith("Note: #1 has this title and time already. If this one was sent twice by mistake, "
                          "`event cancel 2` removes it.")
    assert "Note" not in await bot.say("olivia", "event add Canvass when:Dec 12 2pm spots:5")  # another shift
    await bot.say("olivia", 'event add Phonebank when:"Dec 10 7pm" repeat:weekly')
    series = await bot.say("olivia", 'event add Phonebank when:"Dec 10 7pm" repeat:weekly')
    assert series.endswith("Note: #4 has this title and time already. If this series was sent twice by mistake, "
                           "`event end-series 11` and `event cancel 11` remove it.")


async def test_full_role_waitlists_in_order_and_cancel_promotes_the_first(bot: Bot) -> None:
    await bot.say("olivia", "event add Canvass when:Dec 12 10am spots:2")
    assert "You're in!" in await bot.say("ann", "signup 1")
    assert "You're in!" in await bot.say("bo", "signup 1")
    assert "number 1 on the waitlist" in await bot.say("cy", "signup 1")
    assert "number 2 on the waitlist" in await bot.say("di", "signup 1")
    assert "already number 2 on the waitlist" in await bot.say("di", "signup 1")
    assert "waitlist #2 for volunteer" in await bot.say("di", "mine")

    assert "Cancelled your spot" in await bot.say("bo", "cancel 1")
    assert bot.dms_to("cy") == [
        "Good news: a spot opened up and you're now confirmed as volunteer for Canvass (#1), "
        "Sat, Dec 12 · 10:00 AM–12:00 PM EST."
    ]
    assert "waitlist #1" in await bot.say("di", "mine")
    assert "as volunteer" in await bot.say("cy", "mine")


async def test_signing_up_twice_changes_nothing(bot: Bot) -> None:
    await bot.say("olivia", "event add Canvass when:Dec 12 10am spots:5")
    await bot.say("ann", "signup 1")
    assert "already signed up" in await bot.say("ann", "signup 1")
    assert "1/5" in await bot.say("ann", "event 1")


async def test_a_multi_role_event_asks_which_role_with_buttons(bot: Bot) -> None:
    await bot.say("olivia", COUNCIL)
    [reply] = await bot.ask("ann", "signup 1")
    assert [b.action for b in reply.buttons] == ["signup 1 speaker", "signup 1 attendee"]
    assert "no role `mc`" in await bot.say("ann", "signup 1 mc")
    assert "as speaker" in await bot.say("ann", reply.buttons[0].action)


async def test_an_edit_cannot_take_an_event_past_ten_roles(bot: Bot) -> None:
    await bot.say("olivia", 'event add Rally when:Dec 12 10am roles:"speaker=1,usher=2"')
    nine = ",".join(f"r{i}=1" for i in range(9))
    refused = await bot.say("olivia", f'event edit 1 title:Big rally roles:"{nine}"')
    assert "At most 10 roles per event; #1 has 2." in refused
    shown = await bot.say("olivia", "event 1")
    assert "Rally" in shown and "Big rally" not in shown and "r0" not in shown  # nothing of the edit was kept
    assert "Updated" in await bot.say("olivia", 'event edit 1 roles:"usher=3,r1=1,r2=1"')  # 4 in all: fine


async def test_an_edit_removes_a_role_with_zero_spots_only_while_nobody_holds_it(bot: Bot) -> None:
    await bot.say("olivia", "event add Tabling when:Dec 12 10am spots:3")
    await bot.say("olivia", 'event add Talk when:Dec 13 7pm roles:"speaker=1,attendee"')
    await bot.say("ann", "signup 2 speaker")
    await bot.say("bo", "signup 2 attendee")
    await bot.say("bo", "cancel 2")
    reply = await bot.say("olivia", 'event edit 1 roles:"volunteer=0,lead=1,helper=2"')
    assert "lead 0/1, 1 open; helper 0/2, 2 open" in reply and "volunteer" not in reply
    refused = await bot.say("olivia", 'event edit 2 roles:"speaker=0" title:Renamed')
    assert "people signed up as speaker, so that role stays" in refused
    assert "Talk" in await bot.say("olivia", "event 2")  # nothing of the refused edit was kept
    assert "attendee" not in await bot.say("olivia", 'event edit 2 roles:"attendee=0"')  # only a cancelled one
    assert "no role `mc` to remove" in await bot.say("olivia", 'event edit 2 roles:"mc=0"')
    assert "needs at least one role" in await bot.say("olivia", 'event edit 2 roles:"speaker=0"')
    assert "must be at least 1" in await bot.say("olivia", 'event add X when:Dec 14 7pm roles:"a=0"')


async def test_more_spots_promote_the_waitlist_and_fewer_never_demote(bot: Bot) -> None:
    await bot.say("olivia", "event add Canvass when:Dec 12 10am spots:1")
    for name in ("ann", "bo", "cy"):
        await bot.say(name, "signup 1")
    assert "promoted 1 from the waitlist" in await bot.say("olivia", "event edit 1 spots:2")
    assert bot.dms_to("bo")
    fewer = await bot.say("olivia", "event edit 1 spots:1")
    assert "(2 already have the 1 volunteer spot; nobody was removed)" in fewer and "2/1, full" in fewer
    assert "as volunteer" in await bot.say("bo", "mine")


async def test_moving_an_event_tells_everyone_signed_up(bot: Bot) -> None:
    await bot.say("olivia", COUNCIL)
    await bot.say("ann", "signup 1 speaker")
    await bot.say("ann", "tz America/Los_Angeles")
    assert "told 1 signed-up person" in await bot.say("olivia", "event edit 1 when:Dec 8 7pm")
    [dm] = bot.dms_to("ann")
    assert "Tue, Dec 8 · 4:00 PM–6:00 PM PST" in dm
    assert dm.endswith("\nIt was Mon, Dec 7 · 4:00 PM–6:00 PM PST.")  # what changed, as it was
    await bot.say("olivia", 'event edit 1 where:"Union Hall"')
    assert bot.dms_to("ann")[-1].endswith("\nIt was at 101 City Hall Plaza.")
    await bot.say("olivia", 'event edit 1 when:"Dec 9 7pm" where:"City Hall"')
    assert bot.dms_to("ann")[-1].endswith("\nIt was Tue, Dec 8 · 4:00 PM–6:00 PM PST at Union Hall.")


async def test_cancelling_an_event_tells_everyone_and_closes_sign_ups(bot: Bot) -> None:
    await bot.say("olivia", "event add Canvass when:Dec 12 10am spots:1")
    await bot.say("ann", "signup 1")
    await bot.say("bo", "signup 1")
    assert "told 2 signed-up people" in await bot.say("olivia", "event cancel 1 Storm warning")
    assert "Reason: Storm warning" in bot.dms_to("ann")[0]
    assert "was cancelled" in await bot.say("cy", "signup 1")
    assert "already cancelled" in await bot.say("olivia", "event cancel 1")


async def test_sign_ups_close_when_the_event_starts(bot: Bot) -> None:
    await bot.say("olivia", "event add Canvass when:tomorrow 10am")
    bot.clock.advance(days=2)
    assert "already started" in await bot.say("ann", "signup 1")


async def test_a_line_an_organizer_sent_is_still_refused_to_a_volunteer_who_sends_it_too(bot: Bot) -> None:
    await bot.say("olivia", "event add Canvass when:Dec 12 10am spots:1")
    assert "Checked in" not in await bot.say("olivia", "checkin 1 ann")  # the same line, parsed for an organizer
    assert "for organizers only" in await bot.say("ann", "checkin 1 ann")
    assert "for organizers only" in await bot.say("ann", "checkin 1 ann")


async def test_the_roster_is_a_csv_with_check_ins(bot: Bot) -> None:
    await bot.say("olivia", "event add Canvass when:Dec 12 10am spots:1")
    await bot.say("ann", "signup 1")
    await bot.say("bo", "signup 1")
    assert "Checked in Ann" in await bot.say("olivia", "checkin 1 ann")
    assert "already checked in" in await bot.say("olivia", "checkin 1 Ann")
    assert "No one called `bo` is confirmed" in await bot.say("olivia", "checkin 1 bo")
    assert "Thanks for confirming" in await bot.say("ann", "confirm 1")
    [reply] = await bot.ask("olivia", "roster 1")
    assert "1 said they're still coming; 1 checked in." in reply.text
    [attachment] = reply.attachments
    rows = list(csv.DictReader(io.StringIO(attachment.data.decode())))
    assert [(r["name"], r["status"], r["position"], bool(r["said still coming"]), bool(r["checked in"]))
            for r in rows] == [
        ("Ann", "confirmed", "", True, True),
        ("Bo", "waitlisted", "1", False, False),
    ]


async def test_roster_cells_cannot_become_spreadsheet_formulas(bot: Bot) -> None:
    await bot.say("olivia", "event add Canvass when:Dec 12 10am")
    await bot.say("=hyperlink(1)", "signup 1")
    [reply] = await bot.ask("olivia", "roster 1")
    assert "\n'=hyperlink(1)," in reply.attachments[0].data.decode()


async def test_my_calendar_file_lists_my_sign_ups(bot: Bot) -> None:
    await bot.say("olivia", COUNCIL + " link:https://example.org/council about:Public comment")
    await bot.say("ann", "signup 1 speaker")
    [reply] = await bot.ask("ann", "calendar")
    calendar = Calendar.from_ical(reply.attachments[0].data)
    [event] = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Council meeting"
    assert str(event["location"]) == "101 City Hall Plaza"
    assert "Signed up as speaker." in str(event["description"])
    assert str(event["url"]) == "https://example.org/council"
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(hours=2)


async def test_an_all_day_entry_goes_into_the_calendar_file_as_a_date(bot: Bot) -> None:
    await bot.say("olivia", 'event add Budget vote when:"Dec 8 12am" duration:24h')
    await bot.say("ann", "tz Europe/Berlin")
    await bot.say("ann", "signup 1")
    [reply] = await bot.ask("ann", "calendar")
    [event] = Calendar.from_ical(reply.attachments[0].data).walk("VEVENT")
    assert (event.decoded("dtstart"), event.decoded("dtend")) == (date(2026, 12, 8), date(2026, 12, 9))


async def test_looking_around_stores_nobody(bot: Bot) -> None:
    await bot.say("olivia", "event add Canvass when:Dec 12 10am spots:1")
    await bot.say("olivia", "petition add resolution goal:1000")
    await bot.say("olivia", COUNCIL)
    stored_later = sorted(c.name for c in bot.core.registry if not c.stores_asker)
    assert stored_later == ["calendar", "cancel", "claim", "confirm", "event", "events", "forget-me", "help", "mine",
                            "petition", "petition chart", "reminders", "signup", "tz"]
    for line in ("help", "help signup", "events", "event 1", "mine", "petition", "petition resolution",
                 "petition chart resolution", "calendar", "forget-me", "forget-me confirm", "tz", "cancel 1",
                 "claim 1", "confirm 1", "signup 99", "signup 2", "signup 2 juggler", "tz Mars/Olympus",
                 "reminders", "cancel", "claim", "confirm"):
        [reply] = await bot.ask("zed", line)
        assert "incident" not in reply.text, line
    async with bot.core.store.snapshot() as tx:
        assert await tx.find_person("test", "zed") is None
    assert "You're in!" in await bot.say("zed", "signup 1")  # the first change stores them
    assert "Times will show in America/Chicago" in await bot.say("yul", "tz America/Chicago")
    assert "Your reminders are on" in await bot.say("xia", "reminders")
    assert "Reminders are off" in await bot.say("xia", "reminders off")  # a change: stored with it
    assert "Your reminders are off" in await bot.say("xia", "reminders")
    async with bot.core.store.snapshot() as tx:
        assert await tx.find_person("test", "zed") is not None
        yul = await tx.find_person("test", "yul")
        assert yul is not None and yul.tz == "America/Chicago"


async def test_forget_me_explains_then_deletes_and_frees_the_spot(bot: Bot) -> None:
    await bot.say("olivia", "event add Canvass when:Dec 12 10am spots:1")
    await bot.say("ann", "signup 1")
    await bot.say("bo", "signup 1")
    explanation = await bot.say("ann", "forget-me")
    assert "forget-me confirm" in explanation
    assert "1/1" in await bot.say("olivia", "event 1")  # nothing deleted yet
    async with bot.core.store.snapshot() as tx:
        ann = await tx.find_person("test", "ann")
        assert ann is not None
        kept = [await tx.scalar(f"SELECT COUNT(*) FROM {t} WHERE person_id = ?", (ann.id,))
                for t in ("signups", "deliveries")]
    assert kept == [1, 2]  # her sign-up and its two reminders
    assert "Done." in await bot.say("ann", "forget-me confirm")
    assert bot.dms_to("bo")
    async with bot.core.store.snapshot() as tx:
        assert await tx.find_person("test", "ann") is None
        assert [await tx.scalar(f"SELECT COUNT(*) FROM {t} WHERE person_id = ?", (ann.id,))
                for t in ("signups", "deliveries")] == [0, 0]


async def test_forget_me_leaves_no_trace_in_the_database_file(bot: Bot) -> None:
    await bot.say("olivia", "event add Canvass when:Dec 12 10am spots:1")
    await bot.say("quillon", "tz America/Chicago")
    await bot.say("quillon", "signup 1")
    await bot.say("bo", "signup 1")
    assert "Done." in await bot.say("quillon", "forget-me confirm")
    await bot.core.store.close()  # the WAL is copied back and removed
    files = [Path(bot.core.store.path), *Path(bot.core.store.path).parent.glob("*-wal")]
    # Deleted rows are overwritten (secure_delete), not just unlinked from the b-tree.
    assert not any(b"quillon" in f.read_bytes().lower() for f in files)


async def test_sign_ups_that_arrive_together_are_answered_as_if_one_by_one(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    await bot.say("olivia", "event add Canvass when:Dec 12 10am spots:2")
    await bot.say("olivia", COUNCIL)
    await bot.say("olivia", "event add Phonebank when:Dec 13 6pm")
    await bot.say("olivia", "event cancel 3 Rain")
    await bot.say("ann", "signup 1")
    await bot.say("ann", "cancel 1")
    store = bot.core.store
    trips = store.writer_trips
    crowd = [("ann", "signup 1"), ("bo", "signup 1"), ("bo", "signup 1"), ("cy", "signup 1"), ("cy", "signup 1"),
             ("di", "signup 2 mc"), ("ed", "signup 2"), ("fay", "signup 3"), ("gus", "signup 2 speaker"),
             ("hal", "signup 9")]
    replies = await asyncio.gather(*(bot.say(name, text) for name, text in crowd))
    assert store.writer_trips - trips <= 2  # newcomers are stored with their sign-ups: one trip, one commit
    assert "one by one" not in caplog.text  # taken together, not rescued by running them alone
    ann, bo, bo_again, cy, cy_again, di, ed, fay, gus, hal = replies
    assert ann.startswith("You're in!") and bo.startswith("You're in!")  # ann's cancelled spot taken again
    assert "already signed up" in bo_again
    assert "number 1 on the waitlist" in cy
    assert "already number 1 on the waitlist" in cy_again  # taken moments before, in the same crowd
    assert "no role `mc`" in di
    assert "has several roles" in ed
    assert "was cancelled" in fay
    assert "as speaker" in gus
    assert "#9" in hal
    assert "2/2" in await bot.say("ann", "event 1")
    assert "waitlist #1" in await bot.say("cy", "mine")
    assert "no upcoming sign-ups" in await bot.say("ed", "mine")
    async with store.snapshot() as tx:  # refused newcomers were not stored; both bo's were one person
        stored = {r["user_id"] for r in await tx.all("SELECT user_id FROM people")}
    assert stored == {"olivia", "ann", "bo", "cy", "gus"}


async def test_a_long_list_of_events_comes_in_pages(bot: Bot) -> None:
    await bot.say("olivia", 'event add Tabling when:"Dec 1 5pm" repeat:weekly spots:3')
    await bot.say("olivia", 'event add Phonebank when:"Dec 2 6pm" repeat:weekly spots:3')
    async with bot.core.store.snapshot() as tx:
        made = len(await tx.upcoming_events(bot.clock.now(), limit=100))
    assert made > 15
    first = await bot.say("vera", "events")
    assert "`events 2` shows the next page" in first and first.count("\n- #") == 15
    second = await bot.say("vera", "events 2")
    assert second.startswith("Upcoming events, page 2") and second.count("- #") == made - 15
    assert "events 3" not in second
    assert "no page 9" in await bot.say("vera", "events 9")
    assert "at least 1" in await bot.say("vera", "events 0")


async def test_every_role_of_an_event_gets_its_sign_up_button(bot: Bot) -> None:
    roles = ",".join(f"r{i}=1" for i in range(10))
    [added] = await bot.ask("olivia", f'event add Rally when:Dec 12 10am roles:"{roles}"')
    assert [b.action for b in added.buttons][-2:] == ["signup 1 r9", "cancel 1"] and len(added.buttons) == 11
    [choice] = await bot.ask("ann", "signup 1")
    assert len(choice.buttons) == 10


@pytest.mark.parametrize(("second", "answer"), [("forget-me confirm", "Done."), ("cancel 1", "Cancelled your spot")])
async def test_a_first_sign_up_and_a_second_command_at_once_act_on_the_same_person(
        bot: Bot, second: str, answer: str) -> None:
    # Both were unknown when they asked; the sign-up stores them first, the other must still find them.
    await bot.say("olivia", "event add Canvass when:Dec 12 10am spots:3")
    signed, then = await asyncio.gather(bot.say("zed", "signup 1"), bot.say("zed", second))
    assert signed.startswith("You're in!") and answer in then
    async with bot.core.store.snapshot() as tx:
        zed = await tx.find_person("test", "zed")
        live = await tx.scalar("SELECT COUNT(*) FROM signups WHERE status != 'cancelled'")
    assert live == 0 and (zed is None) == (second == "forget-me confirm")


async def test_a_crowd_newcomer_stored_and_signed_up_meanwhile_is_told_they_already_are(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    # Asked while unknown; by the time the crowd's unit runs, another command had stored and signed them up.
    await bot.say("olivia", "event add Canvass when:Dec 12 10am spots:3")
    await bot.say("zed", "signup 1")
    store, now, config = bot.core.store, bot.clock.now(), bot.core.config
    crowd = [Person.unsaved("test", name, name.title()) for name in ("zed", "amy", "zed")]
    results = await asyncio.gather(*(store.apply(_sign_up_unit, 1, None, p, now, config) for p in crowd))
    assert [(r.status, r.already) for r in results] == [("confirmed", True), ("confirmed", False), ("confirmed", True)]
    assert "one by one" not in caplog.text  # taken together, not rescued by running them alone
    async with store.snapshot() as tx:
        assert await tx.scalar("SELECT COUNT(*) FROM signups") == 2


async def test_someone_back_in_line_who_clicks_twice_in_a_crowd_is_told_the_same_place_both_times(bot: Bot) -> None:
    await bot.say("olivia", "event add Canvass when:Dec 12 10am spots:1")
    await bot.say("ann", "signup 1")
    await bot.say("cy", "signup 1")
    await bot.say("cy", "cancel 1")
    bo, cy, cy_again = await asyncio.gather(*(bot.say(name, "signup 1") for name in ("bo", "cy", "cy")))
    assert "number 1 on the waitlist" in bo  # a newcomer, not written yet when cy clicks again
    assert "number 2 on the waitlist" in cy
    assert "already number 2 on the waitlist" in cy_again


async def test_a_sign_up_finds_the_asker_itself_and_answers_in_their_own_zone(bot: Bot) -> None:
    await bot.say("olivia", "event add Canvass when:Dec 12 10am spots:5")
    await bot.say("ann", "tz America/Los_Angeles")
    reads = bot.core.store.reader_trips
    # The dispatcher spends no read on the asker (the sign-up looks them up on the writer, a crowd at
    # once), yet the answer is in Ann's zone, not the campaign's.
    place = Place("test", "general", workspace_id="w1", channel_name="general")
    [reply] = await bot.core.dispatcher.dispatch(Invocation(bot.actor("ann"), place, "signup 1", bot.clock.now()))
    assert "Sat, Dec 12 · 7:00 AM–9:00 AM PST" in reply.text
    assert bot.core.store.reader_trips == reads
    assert "10:00 AM–12:00 PM EST" in await bot.say("bo", "signup 1")


async def test_a_sign_up_keeps_the_platform_name_current_and_never_loses_a_name(bot: Bot) -> None:
    await bot.say("olivia", "event add Canvass when:Dec 12 10am spots:5")
    await bot.say("olivia", "event add Phone bank when:Dec 13 10am spots:5")
    place = Place("test", "general", workspace_id="w1", channel_name="general")
    dispatch = bot.core.dispatcher.dispatch
    await bot.say("ann", "tz America/Chicago")  # stored as "Ann"
    replies = await asyncio.gather(
        dispatch(Invocation(Actor("test", "ann", "Ann  B.\n"), place, "signup 1", bot.clock.now())),
        dispatch(Invocation(Actor("test", "nameless", ""), place, "signup 1", bot.clock.now())),
        dispatch(Invocation(Actor("test", "cy", "Cy"), place, "signup 1", bot.clock.now())),
    )
    assert all("You're in!" in r[0].text for r in replies), replies
    await dispatch(Invocation(Actor("test", "cy", ""), place, "signup 2", bot.clock.now()))  # no name given
    async with bot.core.store.snapshot() as tx:
        ann, nameless, cy = [await tx.find_person("test", u) for u in ("ann", "nameless", "cy")]
    assert ann is not None and (ann.display_name, ann.tz) == ("Ann B.", "America/Chicago")
    assert nameless is not None and nameless.display_name == "nameless"  # stored under their id
    assert cy is not None and cy.display_name == "Cy"  # a platform that says nothing keeps the name known


@pytest.mark.parametrize("line", ["signup 99", "signup 1 usher", "signup 2"])
async def test_a_refused_sign_up_still_keeps_the_askers_new_name(bot: Bot, line: str) -> None:
    await bot.say("olivia", "event add Canvass when:Dec 12 10am spots:5")
    await bot.say("olivia", "event add Phone bank when:Dec 13 10am spots:5")
    await bot.say("ann", "tz America/Chicago")  # stored as "Ann"
    bot.clock.set(datetime(2026, 12, 13, 15, 30, tzinfo=UTC))  # the phone bank has begun
    place = Place("test", "general", workspace_id="w1", channel_name="general")
    [reply] = await bot.core.dispatcher.dispatch(Invocation(Actor("test", "ann", "Annie"), place, line,
                                                            bot.clock.now()))
    assert reply.is_error and "incident" not in reply.text
    async with bot.core.store.snapshot() as tx:
        ann = await tx.find_person("test", "ann")
    assert ann is not None and ann.display_name == "Annie"


async def test_a_name_changed_and_changed_back_within_one_crowd_ends_as_last_given(bot: Bot) -> None:
    await bot.say("olivia", "event add Canvass when:Dec 12 10am spots:5")
    await bot.say("ann", "tz America/Chicago")  # stored as "Ann"
    place = Place("test", "general", workspace_id="w1", channel_name="general")
    dispatch = bot.core.dispatcher.dispatch
    await asyncio.gather(*(dispatch(Invocation(Actor("test", "ann", name), place, "signup 1", bot.clock.now()))
                           for name in ("Annie", "Ann")))
    async with bot.core.store.snapshot() as tx:
        ann = await tx.find_person("test", "ann")
    assert ann is not None and ann.display_name == "Ann"


async def test_a_desk_writes_hundreds_of_new_sign_ups_in_several_inserts_and_knows_each_id(bot: Bot) -> None:
    await bot.say("olivia", "event add Rally when:Dec 12 10am spots:500")
    now = bot.clock.now()

    def sign_up_crowd(conn):  # type: ignore[no-untyped-def]
        people = upsert_people(conn, [("test", f"p{n}", f"P{n}", now) for n in range(600)])
        desk = SignupDesk(conn)
        for person in people:
            event = desk.event(1)
            desk.sign_up(event, event.roles[0], person, now)
        again = desk.sign_up(desk.event(1), desk.event(1).roles[0], people[550], now)  # unwritten until now
        desk.flush()
        return again

    again = await bot.core.store.apply(sign_up_crowd)
    assert (again.already, again.status, again.position) == (True, "waitlisted", 51)
    async with bot.core.store.snapshot() as tx:
        rows = await tx.all("SELECT s.id, s.status, p.user_id FROM signups s JOIN people p ON p.id = s.person_id "
                            "ORDER BY s.seq")
        counts = await tx.one("SELECT confirmed, waitlisted FROM roles WHERE event_id = 1")
    assert [r["user_id"] for r in rows] == [f"p{n}" for n in range(600)]
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)  # written in arrival order
    assert [r["status"] for r in rows] == ["confirmed"] * 500 + ["waitlisted"] * 100
    assert (counts["confirmed"], counts["waitlisted"]) == (500, 100)  # the count triggers ran for every row


async def test_cancel_claim_and_confirm_need_no_id_when_only_one_sign_up_fits(bot: Bot) -> None:
    await bot.say("olivia", "event add Canvass when:Dec 12 10am spots:5")
    await bot.say("olivia", "event add Phonebank when:Dec 13 6pm spots:5")
    assert "No spot is waiting for you to claim" in await bot.say("ann", "claim")
    assert "not signed up for anything coming up" in await bot.say("ann", "cancel")
    await bot.say("ann", "signup 1")
    assert "Thanks for confirming. See you at Canvass!" in await bot.say("ann", "confirm")
    await bot.say("ann", "signup 2")
    [which] = await bot.ask("ann", "cancel")
    assert which.text == ("Which one?\n- `cancel 1`: **Canvass**, Sat, Dec 12 · 10:00 AM–12:00 PM EST\n"
                          "- `cancel 2`: **Phonebank**, Sun, Dec 13 · 6:00 PM–8:00 PM EST")
    assert [b.action for b in which.buttons] == ["cancel 1", "cancel 2"]
    assert "2 going" not in await bot.say("ann", "event 2")  # asking changed nothing
    assert "Cancelled your spot for Phonebank (#2)" in await bot.say("ann", which.buttons[1].action)
    assert "Cancelled your spot for Canvass (#1)" in await bot.say("ann", "cancel")  # now the only one


async def test_a_role_typed_on_a_phone_is_found(bot: Bot) -> None:
    await bot.say("olivia", COUNCIL)
    assert "as speaker" in await bot.say("ann", "signup 1 Speakers.")
    assert "as attendee" in await bot.say("bo", "signup 1 attendee!")
    assert "no role `speak`" in await bot.say("cy", "signup 1 speak")  # a different word is still not guessed


async def test_someone_signed_up_in_one_role_who_asks_for_another_is_told_how_to_switch(bot: Bot) -> None:
    await bot.say("olivia", COUNCIL)
    await bot.say("ann", "signup 1 attendee")
    assert (await bot.say("ann", "signup 1 speaker")).endswith(
        "Nothing changed. One sign-up per event: to be speaker instead, `cancel 1` first, then `signup 1 speaker`.")
    assert (await bot.say("ann", "signup 1 attendee")).endswith("Nothing changed.")  # the same role: no advice


async def test_an_event_id_and_a_role_given_the_other_way_round_are_named_in_the_right_order(bot: Bot) -> None:
    await bot.say("olivia", COUNCIL)
    swapped = await bot.say("ann", "signup speaker 1")
    assert "`speaker` is not an event id" in swapped and "Did you mean `signup 1 speaker`?" in swapped
    assert "no upcoming sign-ups" in await bot.say("ann", "mine")  # only said, not done
    assert "Did you mean" not in await bot.say("ann", "signup speaker")  # nothing to swap into a sign-up


async def test_help_for_a_command_written_apart_or_misspelled_shows_the_one_meant(bot: Bot) -> None:
    for line in ("help sign up", "help singup", "help Sign-up"):
        assert (await bot.say("ann", line)).startswith("signup: Sign up for an event"), line
    assert "There is no command `juggle`" in await bot.say("ann", "help juggle")
