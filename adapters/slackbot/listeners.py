"""The Slack listeners: slash command, button clicks, the event form and the App Home.

Each listener acknowledges first (Slack gives 3 seconds), then translates, dispatches through the
core, and renders the replies. Nothing here decides anything about campaigns.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slackbot.blocks import MAX_VIEW_BLOCKS, view_blocks
from adapters.slackbot.dms import DmChannels
from adapters.slackbot.modal import CALLBACK_ID, Origin, error_block, event_add_view, submitted_values
from adapters.slackbot.organizers import Organizers
from adapters.slackbot.replies import Answerer
from adapters.slackbot.translate import (
    COMMAND,
    PLATFORM,
    action_invocation,
    command_text,
    from_home,
    interaction_actor,
    slash_invocation,
    wants_event_modal,
)
from bot.clock import Clock
from bot.dispatch import Dispatcher
from bot.markup import to_plain
from bot.model import Actor, Invocation, Place, Reply

log = logging.getLogger(__name__)

#: How long a form submission may wait for the core before we close the form and answer later.
SUBMIT_BUDGET = 2.0
#: The longest a time-critical answer waits for Slack's user groups (the 3 s acknowledgement, a trigger).
ORGANIZER_BUDGET = 0.5
_TURNOUT_ACTION = re.compile(r"^turnout:")


class SlackChat:
    def __init__(
        self,
        *,
        dispatcher: Dispatcher,
        clock: Clock,
        client: AsyncWebClient,
        organizers: Organizers,
        session: aiohttp.ClientSession | None = None,
        after_command: Callable[[], object] | None = None,
        dms: DmChannels | None = None,
    ) -> None:
        self.dispatcher = dispatcher
        self.dms = dms or DmChannels(client)
        self.clock = clock
        self.client = client
        self.organizers = organizers
        self.session = session
        self._after_command = after_command

    def register(self, app: AsyncApp) -> None:
        app.command(COMMAND)(self.on_command)
        app.action(_TURNOUT_ACTION)(self.on_action)
        app.view(CALLBACK_ID)(self.on_event_form)
        app.event("app_home_opened")(self.on_home_opened)

    async def _dispatch(self, invocation: Invocation) -> list[Reply]:
        replies = await self.dispatcher.dispatch(invocation)
        if self._after_command is not None:
            result = self._after_command()
            if asyncio.iscoroutine(result):
                await result
        return replies

    def _answerer(self, user_id: str, channel_id: str, response_url: str = "", via_dm: bool = False) -> Answerer:
        return Answerer(self.client, self.session, self.dms, user_id, channel_id, response_url, via_dm)

    async def on_command(self, ack: Any, body: dict[str, Any]) -> None:
        """``/turnout ...``: the text goes to the core's own parser."""
        await ack()
        user_id = str(body["user_id"])
        # The form must open within the trigger's 3 s; other answers go by response_url and can wait.
        form = wants_event_modal(command_text(str(body.get("text", "")))) and bool(body.get("trigger_id"))
        organizer = await self.organizers.is_organizer(user_id, within=ORGANIZER_BUDGET if form else None)
        invocation = slash_invocation(body, is_organizer=organizer, at=self.clock.now())
        if organizer and form:
            origin = Origin(invocation.place.channel_id, invocation.place.channel_name,
                            invocation.place.workspace_id, str(body.get("response_url", "")))
            try:
                await self.client.views_open(trigger_id=body["trigger_id"], view=event_add_view(origin))
                return
            except SlackApiError as exc:  # e.g. expired_trigger_id: answer with how to type it instead
                log.warning("could not open the event form: %s", exc.response.get("error"))
        replies = await self._dispatch(invocation)
        await self._answerer(user_id, invocation.place.channel_id, str(body.get("response_url", ""))).send(replies)

    async def on_action(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        """A click on a Turnout button runs the command in its id, as the person who clicked."""
        await ack()
        user_id = str(body["user"]["id"])
        invocation = action_invocation(body, action, is_organizer=await self.organizers.is_organizer(user_id),
                                       at=self.clock.now())
        if invocation is None:
            return
        replies = await self._dispatch(invocation)
        home = from_home(body)
        answerer = self._answerer(user_id, invocation.place.channel_id, str(body.get("response_url") or ""),
                                  via_dm=home)
        await answerer.send(replies)
        if home:
            await self.publish_home(invocation.actor)

    async def on_event_form(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        """The ``event add`` form: errors show under the field; success closes it and answers in the channel."""
        user_id = str(body["user"]["id"])
        organizer = await self.organizers.is_organizer(user_id, within=ORGANIZER_BUDGET)  # ack() comes after
        actor = interaction_actor(body, is_organizer=organizer)
        origin = Origin.load(str(view.get("private_metadata", "")))
        place = Place(PLATFORM, origin.channel_id or user_id, workspace_id=origin.team_id,
                      channel_name=origin.channel_name, is_direct=not origin.channel_id)
        invocation = Invocation(actor, place, "event add", self.clock.now(), submitted_values(view))
        work = asyncio.ensure_future(self._dispatch(invocation))
        try:
            replies = await asyncio.wait_for(asyncio.shield(work), SUBMIT_BUDGET)
        except TimeoutError:
            await ack()  # the core is slow today: close the form, answer when it is done
            replies = await work
        else:
            problem = next((r for r in replies if r.is_error), None)
            if problem is not None:
                await ack(response_action="errors", errors={error_block(problem.text): to_plain(problem.text)[:1900]})
                return
            await ack()
        answerer = self._answerer(user_id, origin.channel_id, origin.response_url, via_dm=not origin.channel_id)
        await answerer.send(replies)

    async def on_home_opened(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        user_id = str(event["user"])
        actor = Actor(PLATFORM, user_id, await self._known_name(user_id),
                      is_organizer=await self.organizers.is_organizer(user_id))
        await self.publish_home(actor, workspace_id=str(body.get("team_id", "")))

    async def _known_name(self, user_id: str) -> str:
        # app_home_opened carries no name; reuse the stored one so opening the tab never renames anyone.
        async with self.dispatcher.store.snapshot() as tx:
            person = await tx.find_person(PLATFORM, user_id)
        return person.display_name if person is not None else user_id

    async def publish_home(self, actor: Actor, *, workspace_id: str = "") -> None:
        """The App Home: the person's sign-ups and what is coming up, as the core shows them."""
        place = Place(PLATFORM, actor.user_id, workspace_id=workspace_id, is_direct=True)
        now = self.clock.now()
        mine = await self.dispatcher.dispatch(Invocation(actor, place, "mine", now))
        upcoming = await self.dispatcher.dispatch(Invocation(actor, place, "events", now))
        blocks = view_blocks(mine, heading="Your sign-ups") + [{"type": "divider"}]
        blocks += view_blocks(upcoming, heading="Upcoming events")
        blocks += [{"type": "context", "elements": [{"type": "mrkdwn",
                                                     "text": "Type `/turnout help` anywhere to see every command."}]}]
        if len(blocks) > MAX_VIEW_BLOCKS:
            blocks = blocks[: MAX_VIEW_BLOCKS - 1] + [blocks[-1]]
        await self.client.views_publish(user_id=actor.user_id, view={"type": "home", "blocks": blocks})
