"""One transaction's view of the store: every query group on one connection."""

from __future__ import annotations

from bot.store.calendars import CalendarQueries
from bot.store.channels import ChannelQueries
from bot.store.meta import MetaQueries
from bot.store.outbox import OutboxQueries
from bot.store.people import PeopleQueries
from bot.store.petitions import PetitionQueries
from bot.store.schedule import ScheduleQueries
from bot.store.signups import SignupQueries
from bot.store.timers import TimerQueries


class Tx(
    SignupQueries, PeopleQueries, PetitionQueries, ChannelQueries, OutboxQueries, MetaQueries, TimerQueries,
    ScheduleQueries, CalendarQueries,
):
    """Use through ``Store.transaction()`` (changes) or ``Store.snapshot()`` (reads)."""
