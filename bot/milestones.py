"""Petition news: milestones crossed, the goal reached, and the daily update.

A milestone is announced once, ever: the highest one announced is stored, so a count that jumps
past several posts one message naming the highest, and a count that dips and recrosses posts
nothing new. A count that goes down is recorded but never announced.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain import Petition
from bot.errors import UsageError
from bot.markup import bold, esc
from bot.model import Reply
from bot.notify import Notifier

BASE_LADDER = (50, 100, 250, 500, 750, 1_000, 1_500, 2_000, 2_500, 5_000, 10_000)
MAX_MILESTONES = 50


def default_ladder(up_to: int) -> list[int]:
    """50, 100, 250 ... 10,000, then 25,000, 50,000, 100,000, 250,000 ... past ``up_to``."""
    ladder = list(BASE_LADDER)
    scale = 10_000
    while ladder[-1] <= up_to:
        ladder += [scale * 5 // 2, scale * 5, scale * 10]
        scale *= 10
    return ladder


def parse_milestones(text: str) -> list[int]:
    values: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        if not part.replace("_", "").isdigit() or int(part) <= 0:
            raise UsageError(f"`{esc(part[:20])}` is not a milestone; use whole numbers like `750,1000`.")
        values.add(int(part))
    if not values:
        raise UsageError('No milestones given. Try `milestones:"750,1000"`.')
    if len(values) > MAX_MILESTONES:
        raise UsageError(f"At most {MAX_MILESTONES} milestones.")
    return sorted(values)


def ladder_for(petition: Petition) -> list[int]:
    if petition.milestones:
        return parse_milestones(petition.milestones)
    return default_ladder(max(petition.total, petition.goal))


async def announce_progress(n: Notifier, petition: Petition) -> None:
    """Post any milestone newly crossed and the goal when first reached; remember both. Reaching the
    goal is the one post when both happen at once (not "passed 1,000" beside "reached its goal of 1,000")."""
    crossed = [m for m in ladder_for(petition) if petition.milestone_announced < m <= petition.total]
    reached = petition.total >= petition.goal and not petition.goal_announced
    if crossed and reached:
        await n.tx.set_petition_flags(petition.id, milestone_announced=max(crossed))
    elif crossed:
        highest = max(crossed)
        await n.to_channels("petition", Reply(
            f"{bold(esc(petition.name))} passed {bold(f'{highest:,}')} signatures! Now {petition.total:,} of "
            f"{petition.goal:,}.", visibility="channel",
        ), kind="milestone", key=f"milestone:{petition.id}:{highest}")
        await n.tx.set_petition_flags(petition.id, milestone_announced=highest)
    if reached:
        now = f" (now {petition.total:,})" if petition.total > petition.goal else ""
        await n.to_channels("petition", Reply(
            f"{bold(esc(petition.name))} reached its goal of {petition.goal:,} signatures{now}! Thank you all.",
            visibility="channel",
        ), kind="goal", key=f"goal:{petition.id}:{petition.goal}")
        await n.to_channels("organizers", Reply(
            f"{esc(petition.name)} reached its goal ({petition.total:,} of {petition.goal:,}). Time to raise it? "
            f"`petition goal {esc(petition.name)} {suggest_goal(petition.total):,}`", visibility="channel",
        ), kind="goal", key=f"goal-organizers:{petition.id}:{petition.goal}")
        await n.tx.set_petition_flags(petition.id, goal_announced=True)


def suggest_goal(total: int) -> int:
    step = 250 if total < 2_500 else 1_000 if total < 25_000 else 10_000
    return (total * 3 // 2 + step - 1) // step * step


async def daily_update_text(n: Notifier, petition: Petition) -> str | None:
    """Count, gain since yesterday, progress, and days to the goal at the last week's pace; None when
    the petition has no news (no gain in a day): a daily post of the same number is noise."""
    yesterday = await n.tx.total_at(petition.id, n.now - timedelta(days=1))
    if yesterday is not None and petition.total <= yesterday:
        return None
    percent = petition.total * 100 // petition.goal
    parts = [f"{bold(esc(petition.name))}: {petition.total:,} of {petition.goal:,} signatures ({percent}%)"]
    if yesterday is not None:
        parts.append(f"+{petition.total - yesterday:,} since yesterday")
    days = await days_to_goal(n, petition, n.now)
    if petition.total >= petition.goal:
        parts.append("goal reached")
    elif days is not None:
        parts.append(f"about {days} day{'s' if days != 1 else ''} to the goal at this week's pace")
    return " · ".join(parts)


async def days_to_goal(n: Notifier, petition: Petition, now: datetime) -> int | None:
    history = await n.tx.history(petition.id)
    if not history:
        return None
    week_ago = now - timedelta(days=7)
    start_at, start_total = next(((at, total) for at, total in history if at >= week_ago), history[0])
    earlier = await n.tx.total_at(petition.id, week_ago)
    if earlier is not None:
        start_at, start_total = week_ago, earlier
    elapsed_days = (now - start_at).total_seconds() / 86_400
    gained = petition.total - start_total
    if elapsed_days < 1 or gained <= 0:
        return None
    remaining = petition.goal - petition.total
    return max(1, round(remaining / (gained / elapsed_days)))
