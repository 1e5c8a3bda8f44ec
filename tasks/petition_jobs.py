"""Petition polling and the daily update.

A poll fetches outside any transaction, then records the count (news goes out through
``announce_progress``). Failures back off; after a few in a row organizers hear once, and once more
when the source recovers. Secrets are redacted by the source layer and again by the runtime's logger.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from bot.errors import TurnoutError
from bot.markup import bold, esc
from bot.milestones import announce_progress, daily_update_text
from bot.model import Reply
from bot.notify import Notifier
from bot.store.timers import Timer
from bot.timeparse import iso_utc, localize
from tasks.jobenv import FetchJob, JobEnv

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=6)


async def poll_petition(env: JobEnv, timer: Timer) -> None:
    assert timer.ref is not None
    async with env.store.snapshot() as tx:
        petition = await tx.petition_by_id(timer.ref)
    if petition is None or petition.source == "manual" or env.sources is None:
        return
    count: int | None = None
    error: str | None = None
    try:
        count = await env.sources.petition_count(petition.source)
    except TurnoutError as exc:
        error = exc.message
    except Exception as exc:  # a bug or an unexpected answer: keep polling, and say what happened
        log.exception("polling petition %s failed", petition.id)
        error = f"unexpected {type(exc).__name__}"
    async with env.notifier() as n:
        fresh = await n.tx.record_poll(petition.id, n.now, error=error)
        if count is not None:
            if count != fresh.online:
                fresh = await n.tx.update_petition(fresh.id, n.now, online=count)
                await announce_progress(n, fresh)
            if fresh.failure_reported:
                await n.to_channels("organizers", Reply(
                    f"The source of {bold(esc(fresh.name))} works again: {fresh.total:,} signatures.",
                    visibility="channel"), kind="source-recovered")
                await n.tx.set_failure_reported(fresh.id, False)
            delay = timedelta(minutes=fresh.poll_minutes)
        else:
            if fresh.failures >= env.config.petitions.failures_before_report and not fresh.failure_reported:
                await n.to_channels("organizers", Reply(
                    f"I couldn't read the count of {bold(esc(fresh.name))} {fresh.failures} times in a row: "
                    f"{esc(error or '')}. I'll keep trying and tell you when it works again.",
                    visibility="channel"), kind="source-failing")
                await n.tx.set_failure_reported(fresh.id, True)
            delay = min(timedelta(minutes=fresh.poll_minutes) * 2 ** min(fresh.failures, 10), MAX_BACKOFF)
        due = n.now + delay
        await n.tx.set_timer(f"petition-poll:{fresh.id}:{iso_utc(due)}", "petition-poll", fresh.id, due, n.now)


def next_daily_at(n: Notifier) -> datetime:
    tz = n.config.campaign.tz
    at = time.fromisoformat(n.config.petitions.daily_time)
    today = n.now.astimezone(tz).date()
    candidate = localize(today, at, tz)
    return candidate if candidate > n.now else localize(today + timedelta(days=1), at, tz)


async def daily_update(n: Notifier, timer: Timer) -> None:
    """Once a day to the petition channels: the petitions that gained since yesterday (or are new), if any."""
    if n.config.petitions.daily:
        texts = [text for p in await n.tx.petitions() if (text := await daily_update_text(n, p)) is not None]
        if texts:
            day = n.now.astimezone(n.config.campaign.tz).date().isoformat()
            await n.to_channels("petition", Reply("\n".join(texts), visibility="channel"), kind="petition-daily",
                                key=f"petition-daily:{day}")
    await ensure_daily(n)


async def ensure_daily(n: Notifier) -> None:
    due = next_daily_at(n)
    key = f"petition-daily:{iso_utc(due)}"
    # One planned at another hour goes; one already due (the bot was down at the time) still runs.
    await n.tx.cancel_timers(kind="petition-daily", ref=None, keep=key, after=n.now)
    await n.tx.set_timer(key, "petition-daily", None, due, n.now)


FETCH_JOBS: dict[str, FetchJob] = {"petition-poll": poll_petition}
JOBS = {"petition-daily": daily_update}
