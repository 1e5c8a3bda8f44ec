"""Organizers by user id or user group; group membership is cached briefly, not looked up per click."""

from __future__ import annotations

import aiohttp
from fake_slack import BOT_TOKEN, Failure, FakeSlack
from slack_harness import GREG, GROUP, OLIVIA, VAL

from adapters.slackbot.clients import web_client
from adapters.slackbot.organizers import Organizers


async def test_group_membership_is_cached_for_the_ttl(fake_slack: FakeSlack) -> None:
    now = [0.0]
    async with aiohttp.ClientSession() as session:
        client = web_client(BOT_TOKEN, base_url=fake_slack.api_url, session=session, resend_on_connection_error=True)
        organizers = Organizers([OLIVIA[0], GROUP], client=client, ttl=60, clock=lambda: now[0])
        assert await organizers.is_organizer(OLIVIA[0])
        assert await organizers.is_organizer(GREG[0])
        assert not await organizers.is_organizer(VAL[0])
        assert len(fake_slack.called("usergroups.users.list")) == 1
        fake_slack.usergroups[GROUP] = []
        now[0] = 61
        assert not await organizers.is_organizer(GREG[0])
        assert len(fake_slack.called("usergroups.users.list")) == 2


async def test_an_unreadable_group_lets_nobody_in(fake_slack: FakeSlack) -> None:
    fake_slack.fail("usergroups.users.list", Failure("missing_scope"))
    async with aiohttp.ClientSession() as session:
        client = web_client(BOT_TOKEN, base_url=fake_slack.api_url, session=session, resend_on_connection_error=True)
        organizers = Organizers([GROUP], client=client)
        assert not await organizers.is_organizer(GREG[0])


async def test_a_lookup_under_a_deadline_falls_back_to_what_was_known(fake_slack: FakeSlack) -> None:
    """The event form must be acknowledged within 3 s: a rate-limited group lookup is not waited out there."""
    now = [0.0]
    async with aiohttp.ClientSession() as session:
        client = web_client(BOT_TOKEN, base_url=fake_slack.api_url, session=session, resend_on_connection_error=True)
        assert not await Organizers([GROUP], client=client).is_organizer(GREG[0], within=0)  # nothing known yet
        organizers = Organizers([GROUP], client=client, ttl=60, clock=lambda: now[0])
        assert await organizers.is_organizer(GREG[0])
        now[0] = 61  # the membership is stale, and Slack now asks us to wait
        fake_slack.fail("usergroups.users.list", Failure(status=429, retry_after=3))
        assert await organizers.is_organizer(GREG[0], within=0)  # the last known membership stands in
        assert not await organizers.is_organizer(VAL[0], within=0)
