"""The alarm clock with the real APScheduler: it rings on the event loop, and an alarm set while the
work of the last ring is still going on is not lost."""

import asyncio
from datetime import UTC, datetime, timedelta

from tasks.scheduler import AlarmClock


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

