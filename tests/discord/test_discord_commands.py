"""Every declared command, through a real slash interaction, answered within Discord's rules."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fake_discord import FakeDiscord, FakeUser, text_of

from adapters.discordbot.slash import MANAGE_EVENTS, commands_payload
from bot.commands import Command, Param

SAMPLES: dict[str, Any] = {
    "text": "resolution", "words": "hello there", "time": "Dec 7 7pm", "duration": "2h",
    "zone": "America/Chicago", "offsets": "1d,2h", "event": 1,
}
#: Commands that must run before others so that those find something to act on.
FIRST = ("event-add", "petition-add")


def sample(command: Command, param: Param) -> Any:
    if param.kind == "choice":
        return param.choices[0]
    if param.kind == "int":
        return max(param.min or 0, min(param.max or 10, 10))
    if command.name == "checkin" and param.name == "person":
        return "olivia"
    return SAMPLES[param.kind]


async def test_every_command_answers(chat, fake: FakeDiscord, olivia: FakeUser) -> None:
    registry = chat.core.registry
    assert {c["name"] for c in fake.commands} == {c.slash_name for c in registry}
    ordered = sorted(registry, key=lambda c: (c.slash_name not in FIRST, c.slash_name == "forget-me"))
    for command in ordered:
        options = {p.name: sample(command, p) for p in command.params if p.required}
        if command.slash_name == "event-add":
            options["spots"] = 3
        messages = await chat.slash(olivia, command.slash_name, **options)
        said = text_of(messages)
        assert messages and (said.strip() or messages[-1]["embeds"]), f"/{command.slash_name} got no answer"
        assert "went wrong" not in said, f"/{command.slash_name}: {said}"
        # The required options reached the core: none is reported missing, nor the command unknown.
        assert "needs <" not in said and "know the command" not in said, f"/{command.slash_name}: {said}"


async def test_event_add_shows_a_card_with_buttons(chat, fake: FakeDiscord, olivia: FakeUser) -> None:
    messages = await chat.slash(olivia, "event-add", title='Pack the "chambers"', when="Dec 7 7pm",
                                where="101 City Hall Plaza", spots=5)
    message = messages[-1]
    embed = message["embeds"][0]
    assert embed["title"] == '\\#1 Pack the "chambers"'  # options reach the core by name: quotes survive
    assert "<t:" in embed["fields"][0]["value"] and ":R>" in embed["fields"][0]["value"]
    labels = [b["label"] for row in message["components"] for b in row["components"]]
    assert labels == ["Sign up", "Cancel my spot"]
    assert message["components"][0]["components"][0]["custom_id"] == "turnout:signup:1"


async def test_volunteer_cannot_run_organizer_commands(chat, fake: FakeDiscord, vic: FakeUser) -> None:
    messages = await chat.slash(vic, "event-add", title="Sneaky", when="Dec 7 7pm")
    assert "for organizers only" in text_of(messages)
    assert messages[0]["flags"] & 64  # refusal is private
    async with chat.core.store.snapshot() as tx:
        assert await tx.upcoming_events(chat.core.clock.now()) == []


async def test_organizer_commands_are_hidden_by_default(chat, fake: FakeDiscord) -> None:
    by_name = {c["name"]: c for c in fake.commands}
    assert by_name["event-add"]["default_member_permissions"] == str(MANAGE_EVENTS)
    assert "default_member_permissions" not in by_name["signup"]
    options = {o["name"]: o for o in by_name["signup"]["options"]}
    assert options["event"]["type"] == 4 and options["event"]["autocomplete"] is True


async def test_configured_role_makes_an_organizer(chat, fake: FakeDiscord) -> None:
    await chat.stop()
    chat.config = replace(chat.config, discord=replace(chat.config.discord, organizer_role="organizers"))
    await chat.start()
    rita = fake.user("rita", role=True)
    messages = await chat.slash(rita, "petition-add", name="resolution", goal=1000)
    assert "Tracking petition" in text_of(messages)


async def test_commands_sync_only_when_changed(chat, fake: FakeDiscord) -> None:
    assert fake.command_uploads == 1
    await chat.restart()
    assert fake.command_uploads == 1
    assert fake.identifies == 2


async def test_explicit_sync_uploads(chat, fake: FakeDiscord) -> None:
    from adapters.discordbot import sync_commands

    await chat.stop()
    count = await sync_commands(chat.core)
    assert count == len(chat.core.registry) and fake.command_uploads == 2
    assert [c["name"] for c in fake.commands] == [c["name"] for c in commands_payload(chat.core.registry)]


async def test_event_autocomplete(chat, fake: FakeDiscord, olivia: FakeUser, vic: FakeUser) -> None:
    await chat.slash(olivia, "event-add", title="Council meeting", when="Dec 7 7pm")
    await chat.slash(olivia, "event-add", title="Canvass Old North", when="Dec 5 10am")
    choices = await chat.autocomplete(vic, "signup", "event", "counc")
    assert [c["value"] for c in choices] == [1]
    assert choices[0]["name"].startswith("#1 Council meeting")
    everything = await chat.autocomplete(vic, "signup", "event", "")
    assert [c["value"] for c in everything] == [2, 1]
    assert everything[0]["name"] == "#2 Canvass Old North · Sat Dec 05 10:00"
    await chat.slash(olivia, "event-add", title="Budget vote", when="Dec 8 12am", duration="24h")
    [vote] = await chat.autocomplete(vic, "signup", "event", "budget")
    assert vote["name"] == "#3 Budget vote · Tue Dec 08 (all day)"  # not midnight


async def test_long_answers_are_split(chat, fake: FakeDiscord, olivia: FakeUser) -> None:
    for i in range(15):
        await chat.slash(olivia, "event-add", title=f"{'Long title ' * 17} {i}", when=f"Dec {i + 1} 7pm")
    messages = await chat.slash(olivia, "events")
    assert len(messages) >= 2 and all(len(m["content"]) <= 2000 for m in messages)


async def test_typed_mentions_do_not_ping(chat, fake: FakeDiscord, olivia: FakeUser) -> None:
    messages = await chat.slash(olivia, "event-add", title="@everyone <@123> party", when="Dec 7 7pm")
    for message in messages:
        assert message["_allowed_mentions"] == {"parse": []}
    assert "\\<@123\\>" in messages[0]["content"]
