"""The alarm clock with the real APScheduler: it rings on the event loop, and an alarm set while the
work of the last ring is still going on is not lost."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.cli import Service
from bot.logs import Redactor
from bot.model import Actor, Invocation, Place
from tasks.scheduler import AlarmClock
from tests.conftest import Bot, RecordingTransport, make_config


async def test_an_alarm_set_during_the_work_of_a_ring_rings_again() -> None:
    loop = asyncio.get_running_loop()
    rings: list[asyncio.AbstractEventLoop] = []
    second = asyncio.Event()
    work: set[asyncio.Task[None]] = set()

    async def tick() -> None:
        for _ in range(20):  # the work of a tick: many turns of the loop, like a flush to the database
            await asyncio.sleep(0)
        if len(rings) == 1:
            alarm.wake_at(datetime.now(UTC))  # something fell due while it ran

    def ring() -> None:
        rings.append(asyncio.get_running_loop())
        if len(rings) == 2:
            second.set()
        task = loop.create_task(tick())
        work.add(task)
        task.add_done_callback(work.discard)

    alarm = AlarmClock(ring, poll_every=timedelta(hours=1))
    alarm.start()
    try:
        alarm.wake_at(datetime.now(UTC) - timedelta(seconds=5))  # already due: rings at once
        await asyncio.wait_for(second.wait(), timeout=10)
        assert rings == [loop, loop]  # on the loop, never on a worker thread
    finally:
        alarm.pause()
        await asyncio.gather(*work)
        alarm.shutdown()



class RecordingAlarm:
    """Where the runner set its alarm, each time it did."""

    def __init__(self) -> None:
        self.set_to: list[datetime | None] = []

    def wake_at(self, instant: datetime | None) -> None:
        self.set_to.append(instant)


def _wired(bot: Bot) -> RecordingAlarm:
    """The runner as the product wires it: commands that queue or plan anything kick it."""
    alarm = RecordingAlarm()
    bot.runner.alarm = alarm
    bot.core.dispatcher.on_queued = bot.runner.kick
    return alarm


async def test_a_reminder_planned_before_the_alarm_moves_the_alarm_forward(bot: Bot) -> None:
    alarm = _wired(bot)
    now = bot.clock.now()  # Fri Nov 27, 12:00 in Durham
    await bot.say("olivia", 'event add Flyering when:"today 3pm" spots:5')
    reminder = now + timedelta(hours=1)  # the 2-hour reminder of a 3 p.m. event, once someone signs up
    assert alarm.set_to[-1] is None or alarm.set_to[-1] > reminder

    # Only the dispatcher: nothing else ticks the runner.
    place = Place("test", "general", workspace_id="w1")
    [reply] = await bot.core.dispatcher.dispatch(Invocation(bot.actor("bo"), place, "signup 1", now))
    assert reply.text.startswith("You're in!")
    await bot.runner.settle()
    assert alarm.set_to[-1] == reminder


async def test_a_crowd_of_kicks_costs_a_few_ticks(bot: Bot) -> None:
    alarm = _wired(bot)
    await bot.say("olivia", 'event add Flyering when:"today 3pm" spots:100')
    before = len(alarm.set_to)
    place = Place("test", "general", workspace_id="w1")
    crowd = [Invocation(bot.actor(f"v{i}"), place, "signup 1", bot.clock.now()) for i in range(60)]
    replies = await asyncio.gather(*(bot.core.dispatcher.dispatch(i) for i in crowd))
    assert all(r.text.startswith("You're in!") for [r] in replies)
    await bot.runner.settle()
    ticks = len(alarm.set_to) - before
    assert 1 <= ticks <= 6, ticks  # one kick each would be 60 ticks
    assert alarm.set_to[-1] == bot.clock.now() + timedelta(hours=1)


async def test_the_service_wires_commands_to_its_runner(tmp_path: Path) -> None:
    """What the product runs (``cli.Service``): a sign-up that plans a reminder moves its alarm."""
    service = await Service.open(make_config(), str(tmp_path / "turnout.db"), Redactor([]))
    alarm = RecordingAlarm()
    service.runner.alarm = alarm
    service.postman.add_transport(RecordingTransport())
    dispatch = service.core.dispatcher.dispatch
    place = Place("test", "general")
    now = service.core.clock.now()
    starts = (now + timedelta(hours=3)).astimezone(service.core.config.campaign.tz)
    try:
        [added] = await dispatch(Invocation(Actor("test", "olivia", "Olivia", is_organizer=True), place,
                                            f'event add Flyering when:"{starts:%Y-%m-%d %H:%M}" spots:5'))
        assert not added.is_error, added.text
        [reply] = await dispatch(Invocation(Actor("test", "ann", "Ann"), place, "signup 1"))
        assert reply.text.startswith("You're in!")
        await service.runner.settle()
        due = starts.replace(second=0, microsecond=0) - timedelta(hours=2)  # the 2-hour reminder
        assert due in alarm.set_to
    finally:
        await service.stop()
