"""Sign-up and cancel buttons: answered privately, the card updated in place, working after restarts."""

from __future__ import annotations

from fake_discord import FakeDiscord, FakeUser, text_of


async def _card(chat, olivia: FakeUser) -> dict:
    await chat.slash(olivia, "event-add", title="Canvass Old North", when="Dec 5 10am", spots=2)
    messages = await chat.slash(olivia, "event", event=1)
    return messages[-1]


async def test_signup_and_cancel_by_button(chat, fake: FakeDiscord, olivia: FakeUser, vic: FakeUser) -> None:
    card = await _card(chat, olivia)
    assert "0/2" in str(card["embeds"][0]["fields"])

    inter = await chat.click(vic, card, "Sign up")
    answers = fake.answers(inter)
    assert "You're in!" in text_of(answers) and all(m["flags"] & 64 for m in answers)
    assert inter.response_type == 7  # answered by updating the card itself
    assert "1/2, 1 open" in str(fake.messages[int(card["id"])]["embeds"][0]["fields"])

    inter = await chat.click(vic, fake.public(fake.messages[int(card["id"])]), "Cancel my spot")
    assert "Cancelled your spot" in text_of(fake.answers(inter))
    assert "0/2, 2 open" in str(fake.messages[int(card["id"])]["embeds"][0]["fields"])
    async with chat.core.store.snapshot() as tx:
        assert await tx.event_signups(1) == []


async def test_an_event_is_shown_as_its_card_without_the_same_words_above_it(
    chat, fake: FakeDiscord, olivia: FakeUser, vic: FakeUser,
) -> None:
    card = await _card(chat, olivia)
    assert card["embeds"][0]["title"].endswith("1 Canvass Old North") and not card.get("content", "").strip("\u200b")
    await chat.click(vic, card, "Sign up")
    [mine] = await chat.slash(vic, "event", event=1)
    assert mine["content"] == "You're signed up as volunteer." and mine["embeds"]


async def test_buttons_work_after_a_restart(chat, fake: FakeDiscord, olivia: FakeUser, vic: FakeUser) -> None:
    card = await _card(chat, olivia)
    await chat.restart()
    inter = await chat.click(vic, card, "Sign up")
    assert "You're in!" in text_of(fake.answers(inter))
    await chat.restart()
    inter = await chat.click(vic, fake.public(fake.messages[int(card["id"])]), "Cancel my spot")
    assert "Cancelled your spot" in text_of(fake.answers(inter))
    assert fake.identifies == 3


async def test_buttons_work_after_a_gateway_resume(chat, fake: FakeDiscord, olivia: FakeUser,
                                                   vic: FakeUser) -> None:
    card = await _card(chat, olivia)
    await fake.reconnect_request()
    await fake.wait_for(lambda: fake.resumes == 1 and fake.connected)
    inter = await chat.click(vic, card, "Sign up")
    assert "You're in!" in text_of(fake.answers(inter))
    assert fake.identifies == 1


async def test_full_event_waitlists_by_button(chat, fake: FakeDiscord, olivia: FakeUser, vic: FakeUser) -> None:
    card = await _card(chat, olivia)
    for name in ("ann", "bo"):
        await chat.click(fake.user(name), card, "Sign up")
    inter = await chat.click(vic, card, "Sign up")
    assert "number 1 on the waitlist" in text_of(fake.answers(inter))
    assert "2/2, full, 1 waitlisted" in str(fake.messages[int(card["id"])]["embeds"][0]["fields"])


async def test_forget_me_button(chat, fake: FakeDiscord, olivia: FakeUser, vic: FakeUser) -> None:
    await chat.click(vic, await _card(chat, olivia), "Sign up")
    async with chat.core.store.snapshot() as tx:
        assert await tx.find_person("discord", str(vic.id)) is not None
    messages = await chat.slash(vic, "forget-me")
    inter = await chat.click(vic, messages[-1], "Delete my data")
    assert "Done. I deleted everything" in text_of(fake.answers(inter))
    assert inter.response_type == 4  # no card here: a plain private answer
    async with chat.core.store.snapshot() as tx:
        assert await tx.find_person("discord", str(vic.id)) is None
        assert await tx.event_signups(1, include_cancelled=True) == []
