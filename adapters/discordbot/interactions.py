"""Slash commands, autocomplete and button clicks, each turned into one core dispatch.

Discord voids an interaction not acknowledged within 3 seconds. A command that answers quickly
is answered directly (so a public reply can be public); one still running after ``defer_after``
seconds is deferred first and answered by follow-ups.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping
from typing import Any

import discord
from discord import app_commands

from adapters.discordbot.people import actor_of, place_of
from adapters.discordbot.render import Outbound, render
from adapters.discordbot.slash import by_slash_name, focused_option, option_values
from bot.app import Core
from bot.markup import esc
from bot.model import Invocation, Reply, action_from_button_id
from bot.views import is_whole_days

log = logging.getLogger(__name__)

#: Seconds a command may run before we defer; Discord's window is 3 seconds from its side.
DEFER_AFTER = 1.5
#: Custom client event fired when an interaction has been fully answered (tests wait on it).
HANDLED_EVENT = "turnout_handled"
MAX_CHOICES = 25
MAX_CHOICE_NAME = 100
#: Buttons whose click changes an event's counts: the card they sit on is refreshed in place.
_COUNTING = frozenset({"signup", "cancel"})


def _private(reply: Reply) -> bool:
    return reply.visibility == "private"


class InteractionHandler:
    def __init__(self, *, core: Core, organizer_role: str = "", defer_after: float = DEFER_AFTER) -> None:
        self.core = core
        self.organizer_role = organizer_role
        self.defer_after = defer_after
        self.commands = by_slash_name(core.registry)

    def _invocation(self, interaction: discord.Interaction, text: str,
                    options: Mapping[str, object] | None = None) -> Invocation:
        return Invocation(actor_of(interaction, self.organizer_role), place_of(interaction), text,
                          self.core.clock.now(), options)

    async def _run(self, interaction: discord.Interaction, work: Awaitable[list[Reply]], *,
                   thinking: bool) -> list[Reply]:
        """Await ``work``, deferring the interaction if it takes longer than ``defer_after``."""
        task = asyncio.ensure_future(work)
        try:
            done, _ = await asyncio.wait({task}, timeout=self.defer_after)
            if not done:
                try:
                    await interaction.response.defer(ephemeral=True, thinking=thinking)
                except discord.HTTPException:
                    log.warning("could not defer interaction %s in time", interaction.id)
            return await task
        finally:
            if not task.done():  # cancelled while waiting: do not leave the command half-awaited
                task.cancel()

    # -- slash commands ---------------------------------------------------------------------

    async def on_command(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        command = self.commands.get(str(data.get("name", "")))
        if command is None:
            replies = [Reply(f"I don't know `/{esc(str(data.get('name', ''))[:32])}` any more; "
                             "it will disappear shortly.", is_error=True)]
        else:
            invocation = self._invocation(interaction, command.name, option_values(data))
            replies = await self._run(interaction, self.core.dispatcher.dispatch(invocation), thinking=True)
        await self.answer(interaction, replies)

    async def answer(self, interaction: discord.Interaction, replies: list[Reply]) -> None:
        """Send replies with each one's own visibility, whether or not we deferred."""
        if not replies:
            replies = [Reply("Done.")]
        if interaction.response.is_done():
            # The deferred "thinking" message is ephemeral and the first follow-up becomes it:
            # private replies go first, and with none, a short note stands in for it.
            replies = sorted(replies, key=lambda r: not _private(r))
            if not _private(replies[0]):
                await interaction.followup.send("Done: posted below.", ephemeral=True,
                                                allowed_mentions=discord.AllowedMentions.none())
        for reply in replies:
            for message in render(reply) or [Outbound(content="Done.")]:
                await self._send(interaction, message, ephemeral=_private(reply))

    async def _send(self, interaction: discord.Interaction, message: Outbound, *, ephemeral: bool) -> None:
        if not interaction.response.is_done():
            await interaction.response.send_message(**message.kwargs(), ephemeral=ephemeral)
        else:
            await interaction.followup.send(**message.kwargs(), ephemeral=ephemeral)

    # -- autocomplete ----------------------------------------------------------------------

    async def on_autocomplete(self, interaction: discord.Interaction) -> None:
        focused = focused_option(dict(interaction.data or {}))
        typed = focused[1].strip().lstrip("#") if focused else ""
        now = self.core.clock.now()
        async with self.core.store.snapshot() as tx:
            events = await tx.search_events(typed, now, limit=MAX_CHOICES) if typed else []
            if typed.isdigit():
                exact = await tx.event(int(typed))
                if exact is not None and exact.id not in {e.id for e in events}:
                    events.insert(0, exact)
            if not typed or not events:
                events = events or await tx.upcoming_events(now, limit=MAX_CHOICES)
        tz = self.core.config.campaign.tz
        choices = []
        for event in events[:MAX_CHOICES]:
            local = event.starts_at.astimezone(tz)
            when = f"{local:%a %b %d} (all day)" if is_whole_days(event, tz) else f"{local:%a %b %d %H:%M}"
            name = f"#{event.id} {event.title} · {when}"
            if len(name) > MAX_CHOICE_NAME:
                name = name[: MAX_CHOICE_NAME - 1] + "…"
            choices.append(app_commands.Choice(name=name, value=event.id))
        await interaction.response.autocomplete(choices)

    # -- buttons ---------------------------------------------------------------------------

    async def on_click(self, interaction: discord.Interaction, custom_id: str) -> None:
        action = action_from_button_id(custom_id)
        if action is None:
            await self.answer(interaction, [Reply("That button no longer works.", is_error=True)])
            return
        invocation = self._invocation(interaction, action)
        event_id = self._card_to_refresh(interaction, action)
        replies = await self._run(interaction, self._click(invocation, event_id), thinking=False)
        card = replies.pop() if event_id is not None else None
        if card is not None and card.cards:
            fresh = render(Reply("", cards=card.cards, buttons=card.buttons))[-1]
            kwargs = fresh.kwargs()
            kwargs.setdefault("view", None)
            if interaction.response.is_done():
                await interaction.edit_original_response(embeds=kwargs["embeds"], view=kwargs["view"])
            else:
                await interaction.response.edit_message(embeds=kwargs["embeds"], view=kwargs["view"])
        await self.answer(interaction, replies)

    async def _click(self, invocation: Invocation, event_id: int | None) -> list[Reply]:
        """Run the click, then (for sign-up buttons) fetch the fresh card as the same person."""
        replies = await self.core.dispatcher.dispatch(invocation)
        if event_id is None:
            return replies
        card = await self.core.dispatcher.dispatch(
            Invocation(invocation.actor, invocation.place, f"event {event_id}", invocation.at))
        return [*replies, card[0]]

    @staticmethod
    def _card_to_refresh(interaction: discord.Interaction, action: str) -> int | None:
        words = action.split()
        message = interaction.message
        if len(words) < 2 or words[0] not in _COUNTING or not words[1].isdigit():
            return None
        if message is None or not message.embeds:
            return None
        return int(words[1])
