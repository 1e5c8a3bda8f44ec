"""Messages the bot sends on its own: reminders by DM, fallbacks, announcements, bursts."""

from __future__ import annotations

import asyncio

from fake_discord import FakeDiscord, FakeUser, text_of

from bot.model import Outgoing, Reply, Target


async def _queue_reminder(chat, user: FakeUser, key: str, text: str = "Reminder: canvass tomorrow") -> None:
    async with chat.core.store.transaction() as tx:
        person = await tx.upsert_person("discord", str(user.id), user.name, chat.core.clock.now())
        target = Target("discord", "dm", str(user.id), label=user.name)
        await tx.enqueue(Outgoing(target, Reply(text), key=key, person_id=person.id), kind="reminder",
                         now=chat.core.clock.now())


async def _states(chat) -> list[str]:
    async with chat.core.store.snapshot() as tx:
        return [d.state for d in await tx.deliveries()]


async def test_reminder_goes_by_dm(chat, fake: FakeDiscord, vic: FakeUser) -> None:
    await _queue_reminder(chat, vic, "reminder:1:1")
    assert await chat.postman.flush() == 1
    dms = fake.dms_to(vic)
    assert [m["content"] for m in dms] == ["Reminder: canvass tomorrow"]
    assert dms[0]["_nonce"] and len(dms[0]["_nonce"]) <= 25
    assert dms[0]["_allowed_mentions"] == {"parse": []}
    assert await _states(chat) == ["sent"]


async def test_refused_dm_falls_back_to_the_reminder_channel(chat, fake: FakeDiscord, olivia: FakeUser) -> None:
    closed = fake.user("closed", dms_open=False)
    linked = await chat.slash(olivia, "channel-link", purpose="reminders", channel="reminders")
    assert "Linked" in text_of(linked) and not linked[0]["flags"] & 64  # a public note in the channel
    await _queue_reminder(chat, closed, "reminder:1:2")
    await chat.postman.flush()
    assert fake.dms_to(closed) == []
    [post] = fake.in_channel("reminders")
    assert post["content"].startswith(f"<@{closed.id}> I couldn't DM you")
    assert "Reminder" not in post["content"]  # the channel learns there is a message, not what it says
    assert [str(u) for u in post["_allowed_mentions"]["users"]] == [str(closed.id)]
    assert post["_allowed_mentions"]["parse"] == []
    assert sorted(await _states(chat)) == ["failed", "sent"]


async def test_announcement_reaches_the_linked_channel(chat, fake: FakeDiscord, olivia: FakeUser) -> None:
    await chat.slash(olivia, "channel-link", purpose="announcements", channel="announcements")
    answer = await chat.slash(olivia, "announce", text="Pack the chambers Monday at 7! @everyone")
    assert "Announcement sent to 1 channel" in text_of(answer)
    await chat.postman.flush()
    [post] = fake.in_channel("announcements")
    assert post["content"] == "**Announcement**: Pack the chambers Monday at 7! @everyone"
    assert post["_allowed_mentions"] == {"parse": []}


async def test_rate_limited_burst_delivers_everything_once(chat, fake: FakeDiscord) -> None:
    people = [fake.user(f"v{i}") for i in range(20)]
    for i, person in enumerate(people):
        await _queue_reminder(chat, person, f"reminder:7:{i}", text=f"Reminder {i}")
    # Some messages outlast discord.py's own five tries: they go back to the outbox with a backoff
    # and leave on a later flush. Whatever the interleaving, each person gets exactly one message.
    fake.throttle_next = 8
    sent = await chat.postman.flush()
    for _ in range(5):
        if sent == 20:
            break
        chat.core.clock.advance(minutes=5)
        sent += await chat.postman.flush()
    assert sent == 20 and fake.throttled == 8
    for i, person in enumerate(people):
        assert [m["content"] for m in fake.dms_to(person)] == [f"Reminder {i}"]
    assert set(await _states(chat)) == {"sent"}


async def test_resending_after_a_lost_answer_does_not_duplicate(chat, fake: FakeDiscord, vic: FakeUser) -> None:
    target = Target("discord", "dm", str(vic.id))
    first = await chat.bot.transport.send(target, Reply("Once only"), key="reminder:9:9")
    again = await chat.bot.transport.send(target, Reply("Once only"), key="reminder:9:9")
    assert first == again and len(fake.dms_to(vic)) == 1 and fake.duplicates_prevented == 1


async def test_slow_command_is_deferred_in_time(chat, fake: FakeDiscord, vic: FakeUser) -> None:
    await chat.stop()
    await chat.start(defer_after=0.05)
    gate = asyncio.Event()
    dispatch = chat.core.dispatcher.dispatch

    async def slow(invocation):  # type: ignore[no-untyped-def]
        await gate.wait()  # held until Discord has seen the deferral
        return await dispatch(invocation)

    chat.core.dispatcher.dispatch = slow
    try:
        running = asyncio.ensure_future(chat.slash(vic, "help"))
        await fake.wait_for(lambda: any(i.response_type == 5 for i in fake.interactions.values()))
        gate.set()
        messages = await running
    finally:
        chat.core.dispatcher.dispatch = dispatch
    [inter] = fake.interactions.values()
    assert inter.acked_after is not None  # acknowledged (deferred) while the command was still held
    assert "what I can do" in text_of(messages) and messages[0]["flags"] & 64


async def test_slow_public_reply_after_deferral(chat, fake: FakeDiscord, olivia: FakeUser) -> None:
    await chat.stop()
    await chat.start(defer_after=0.0)
    messages = await chat.slash(olivia, "channel-link", purpose="announcements", channel="announcements")
    assert messages[0]["flags"] & 64 and "posted below" in messages[0]["content"]
    assert "Linked" in messages[1]["content"] and not messages[1]["flags"] & 64


async def test_platform_errors_are_sorted_for_the_postman(chat, fake: FakeDiscord) -> None:
    import pytest

    from bot.delivery import DeliveryFailed, DeliveryRefused

    with pytest.raises(DeliveryRefused):
        await chat.bot.transport.send(Target("discord", "channel", "123"), Reply("x"), key="k1")
    closed = fake.user("closed", dms_open=False)
    with pytest.raises(DeliveryRefused):
        await chat.bot.transport.send(Target("discord", "dm", str(closed.id)), Reply("x"), key="k2")
    fake.throttle_next = 10  # more 429s than discord.py retries
    with pytest.raises(DeliveryFailed) as failed:
        await chat.bot.transport.send(Target("discord", "channel", str(fake.channel("general"))), Reply("x"),
                                      key="k3")
    assert "429" in str(failed.value)
    fake.throttle_next = 0
