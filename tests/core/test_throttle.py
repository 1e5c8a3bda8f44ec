"""The outgoing throttle, on virtual time: its sleeps move a fake clock instead of waiting."""

import asyncio
from datetime import timedelta

import pytest

from bot.model import Outgoing, Reply, Target
from tasks.postman import Postman
from tasks.ratelimit import Throttle, TokenBucket
from tests.conftest import Bot, RecordingTransport


class VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def test_a_burst_goes_at_once_then_the_rate_holds() -> None:
    time = VirtualTime()
    bucket = TokenBucket(40, burst=10, clock=time.clock, sleep=time.sleep)
    for _ in range(50):
        await bucket.acquire()
    assert time.now == pytest.approx(1.0)  # 10 at once, then 40 more at 40 per second


async def test_an_idle_bucket_saves_up_no_more_than_its_burst() -> None:
    time = VirtualTime()
    bucket = TokenBucket(40, burst=10, clock=time.clock, sleep=time.sleep)
    time.now = 100.0  # idle for 100 s: 4,000 tokens' worth, of which it may keep 10
    for _ in range(30):
        await bucket.acquire()
    assert time.now == pytest.approx(100.5)  # 10 at once, then 20 more at 40 per second


async def test_a_bucket_spaces_acquisitions_at_its_rate_in_arrival_order() -> None:
    time = VirtualTime()
    bucket = TokenBucket(10, clock=time.clock, sleep=time.sleep)
    order: list[tuple[int, float]] = []

    async def take(i: int) -> None:
        await bucket.acquire()
        order.append((i, time.now))

    await asyncio.gather(*(take(i) for i in range(21)))
    assert [i for i, _ in order] == list(range(21))
    assert abs(order[-1][1] - 2.0) < 1e-6  # 1 at once, then 20 more at 10/s


async def test_fan_out_respects_platform_and_channel_rates_and_due_order(bot: Bot) -> None:
    time = VirtualTime()
    discord = RecordingTransport(platform="discord")
    slack = RecordingTransport(platform="slack")
    throttle = Throttle(per_platform={"discord": 40.0}, per_channel={"slack": 1.0}, clock=time.clock,
                        sleep=time.sleep)
    postman = Postman(store=bot.core.store, clock=bot.clock, transports=[discord, slack], throttle=throttle)
    async with bot.core.store.transaction() as tx:
        for i in range(200):
            await tx.enqueue(Outgoing(Target("discord", "dm", f"u{i:03d}"), Reply("hi"), key=f"d{i:03d}",
                                      due_at=bot.clock.now() - timedelta(seconds=200 - i)),
                             kind="reminder", now=bot.clock.now())
    await postman.flush()
    assert [s.key for s in discord.sent] == [f"d{i:03d}" for i in range(200)]  # in due order
    assert abs(time.now - 198 / 40) < 1e-6  # two at once (the platform bucket's burst), then 40 a second

    time.now = 0.0
    async with bot.core.store.transaction() as tx:
        for i in range(5):
            await tx.enqueue(Outgoing(Target("slack", "channel", "C1"), Reply("hi"), key=f"a{i}"),
                             kind="announcement", now=bot.clock.now())
    await postman.flush()
    assert len(slack.sent) == 5
    assert abs(time.now - 4.0) < 1e-6  # one message a second into a Slack channel


async def test_each_slack_channel_has_its_own_allowance() -> None:
    time = VirtualTime()
    throttle = Throttle(per_platform={}, per_channel={"slack": 1.0}, clock=time.clock, sleep=time.sleep)
    for channel in ("C1", "C2", "C3"):
        await throttle.wait("slack", channel)
    assert time.now == 0.0  # no channel waited for another
    await throttle.wait("slack", "C1")
    assert abs(time.now - 1.0) < 1e-6
    await throttle.wait("console", None)  # platforms without limits never wait
    assert abs(time.now - 1.0) < 1e-6
