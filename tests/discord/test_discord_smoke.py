"""The bot connects to the fake, uploads its commands, and answers one slash command."""

from __future__ import annotations

from fake_discord import FakeDiscord, FakeUser, text_of


async def test_help_answers(chat, fake: FakeDiscord, vic: FakeUser) -> None:
    messages = await chat.slash(vic, "help")
    assert "what I can do" in text_of(messages)
    assert messages[0]["flags"] & 64
