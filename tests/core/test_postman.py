"""The outbox: each message sent once, retried with backoff, never silently lost."""

import asyncio
from datetime import UTC, datetime, timedelta

from bot.delivery import DeliveryFailed, retry_after_seconds
from bot.model import Outgoing, Reply, Target
from tasks.postman import MAX_ATTEMPTS, PAGE_SIZE, Postman
from tests.conftest import Bot, RecordingTransport


async def _queue(bot: Bot, key: str, *, kind: str = "notice", target: Target | None = None) -> None:
    target = target or Target("test", "dm", "ann", label="Ann")
    async with bot.core.store.transaction() as tx:
        await tx.enqueue(Outgoing(target, Reply("hello"), key=key), kind=kind, now=bot.clock.now())


async def _states(bot: Bot) -> list[tuple[str, str, int]]:
    async with bot.core.store.snapshot() as tx:
        return [(d.key, d.state, d.attempts) for d in await tx.deliveries()]


async def test_the_same_key_is_queued_once_and_sent_once(bot: Bot) -> None:
    await _queue(bot, "k1")
    await _queue(bot, "k1")
    await bot.postman.flush()
    await bot.postman.flush()
    assert [s.key for s in bot.sent] == ["k1"]


async def test_two_postmen_racing_send_each_message_once(bot: Bot) -> None:
    for i in range(30):
        await _queue(bot, f"k{i}")
    other = Postman(store=bot.core.store, clock=bot.clock, transports=[bot.transport])
    await asyncio.gather(bot.postman.flush(), other.flush(), bot.postman.flush())
    assert sorted(s.key for s in bot.sent) == sorted(f"k{i}" for i in range(30))


async def test_one_flush_sends_every_page_of_due_rows_once(bot: Bot) -> None:
    now = bot.clock.now()
    async with bot.core.store.transaction() as tx:  # due times repeat, so pages also break inside one second
        for i in range(2 * PAGE_SIZE + 50):
            due = now - timedelta(minutes=(2 * PAGE_SIZE + 50 - i) // 7)
            await tx.enqueue(Outgoing(Target("test", "dm", "ann"), Reply("hello"), key=f"k{i:03}", due_at=due),
                             kind="notice", now=now)
    assert await bot.postman.flush() == 2 * PAGE_SIZE + 50
    assert sorted(s.key for s in bot.sent) == [f"k{i:03}" for i in range(2 * PAGE_SIZE + 50)]
    assert await bot.postman.flush() == 0


async def test_failures_retry_with_backoff_then_are_recorded_as_failed(bot: Bot) -> None:
    await _queue(bot, "k1")
    bot.transport.fail_next = 1
    await bot.postman.flush()
    assert await _states(bot) == [("k1", "pending", 1)]
    await bot.postman.flush()
    assert bot.sent == []  # not due again until the backoff has passed
    bot.clock.advance(seconds=31)
    await bot.postman.flush()
    assert [s.key for s in bot.sent] == ["k1"]
    assert await _states(bot) == [("k1", "sent", 2)]

    await _queue(bot, "k2")
    bot.transport.fail_next = MAX_ATTEMPTS
    for _ in range(MAX_ATTEMPTS):
        await bot.postman.flush()
        bot.clock.advance(hours=1)
    async with bot.core.store.snapshot() as tx:
        [failed] = await tx.deliveries(states=("failed",))
    assert failed.key == "k2" and failed.attempts == MAX_ATTEMPTS and "503" in (failed.last_error or "")


async def test_a_refused_dm_falls_back_to_a_mention_in_the_reminders_channel_once(bot: Bot) -> None:
    await bot.say("olivia", "channel link reminders", channel="reminders")
    bot.transport.refuse_dms_to.add("ann")
    await _queue(bot, "r1", kind="reminder")
    await bot.postman.flush()
    await bot.postman.flush()
    [post] = bot.sent
    assert post.target.kind == "channel" and post.target.address == "reminders"
    assert post.reply.mention == "ann"
    assert "couldn't DM you" in post.text and "`mine`" in post.text
    assert "hello" not in post.text and not post.reply.buttons  # what the DM said stays private


async def test_with_dms_refused_one_nudge_a_day_and_mine_shows_a_cancellation(bot: Bot) -> None:
    await bot.say("olivia", "channel link reminders", channel="reminders")
    await bot.say("olivia", 'event add Canvass when:"Dec 7 7pm" spots:5')
    await bot.say("olivia", 'event add Tabling when:"Dec 8 7pm" spots:5')
    bot.transport.refuse_dms_to.add("ann")
    await bot.say("ann", "signup 1")
    await bot.say("ann", "signup 2")
    await bot.say("olivia", "event cancel 1 Storm warning")  # both notices are refused
    await bot.say("olivia", "event cancel 2 Storm warning")
    nudges = bot.posts_in("reminders")
    assert len(nudges) == 1 and "Canvass" not in nudges[0] and "Tabling" not in nudges[0]
    mine = await bot.say("ann", "mine")
    assert "CANCELLED #1 Canvass" in mine and "CANCELLED #2 Tabling" in mine
    assert "1/5" not in mine and "open" not in mine  # a called-off event's spots are nobody's: no counts
    await bot.run_until(datetime(2026, 12, 9, 3, 0, tzinfo=UTC))  # both over: nothing left to show
    assert "no upcoming sign-ups" in await bot.say("ann", "mine")


async def test_a_late_postman_never_marks_a_row_another_one_sent_as_skipped(bot: Bot) -> None:
    await _queue(bot, "k1", kind="reminder")
    async with bot.core.store.snapshot() as tx:
        [seen] = await tx.deliveries()  # what a second, slower postman read
    assert await bot.postman.flush() == 1
    bot.clock.advance(hours=2)
    assert await bot.postman.deliver(seen) == 0
    assert await _states(bot) == [("k1", "sent", 1)]


async def test_a_timely_message_too_late_is_skipped_not_sent(bot: Bot) -> None:
    await _queue(bot, "late", kind="reminder")
    bot.clock.advance(hours=2)
    await bot.postman.flush()
    assert bot.sent == []
    assert await _states(bot) == [("late", "skipped", 0)]


async def test_rows_for_platforms_not_running_wait_for_them(bot: Bot) -> None:
    await _queue(bot, "d1", target=Target("discord", "dm", "123"))
    await bot.postman.flush()
    assert await _states(bot) == [("d1", "pending", 0)]
    discord = RecordingTransport(platform="discord")
    bot.postman.add_transport(discord)
    await bot.postman.flush()
    assert [s.key for s in discord.sent] == ["d1"]


async def test_a_message_interrupted_mid_send_is_uncertain_never_resent(bot: Bot) -> None:
    await _queue(bot, "k1")
    async with bot.core.store.transaction() as tx:
        [row] = await tx.deliveries()
        assert await tx.claim(row.id, bot.clock.now())  # the process dies right after claiming
    async with bot.core.store.transaction() as tx:
        interrupted = await tx.mark_interrupted_uncertain(bot.clock.now() + timedelta(minutes=1))
    assert [d.key for d in interrupted] == ["k1"]
    await bot.postman.flush()
    assert bot.sent == []
    assert await _states(bot) == [("k1", "uncertain", 1)]


async def test_a_send_whose_answer_is_lost_is_uncertain_and_not_repeated(bot: Bot) -> None:
    await _queue(bot, "k1")
    bot.transport.lose_answer_next = 1
    await bot.postman.flush()
    bot.clock.advance(hours=1)
    await bot.postman.flush()
    assert [s.key for s in bot.sent] == ["k1"]  # it arrived once; no retry posted it twice
    assert await _states(bot) == [("k1", "uncertain", 1)]


async def test_a_rate_limit_asks_to_wait_and_costs_no_attempt(bot: Bot) -> None:
    class Limited(RecordingTransport):
        limited_left = 6

        async def send(self, target: Target, reply: Reply, *, key: str) -> str | None:
            if self.limited_left:
                self.limited_left -= 1
                raise DeliveryFailed("429 Too Many Requests", retry_after=30)
            return await super().send(target, reply, key=key)

    limited = Limited(platform="limited")
    bot.postman.add_transport(limited)
    await _queue(bot, "k1", target=Target("limited", "channel", "C1"))
    for _ in range(7):
        await bot.postman.flush()
        bot.clock.advance(seconds=31)
    assert [s.key for s in limited.sent] == ["k1"]  # six 429s in a row, then it went: not "failed" after four
    assert await _states(bot) == [("k1", "sent", 1)]


def test_a_retry_after_header_is_read_as_seconds_or_ignored() -> None:
    assert retry_after_seconds("3") == 3.0 and retry_after_seconds(" 1.5 ") == 1.5 and retry_after_seconds(2) == 2.0
    assert retry_after_seconds("-4") == 0.0
    for unusable in (None, "", "soon", "Wed, 21 Oct 2026 07:28:00 GMT", "nan", "inf"):
        assert retry_after_seconds(unusable) is None, unusable
