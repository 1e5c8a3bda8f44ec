"""Moving the waitlist up when a spot frees: promote at once, or (close to the event) offer it.

Close to an event a silent promotion leaves an empty seat when the person can no longer come, so
inside the campaign's ``offer_window`` the next person is offered the spot with a claim window;
an unclaimed offer cascades to the one after, and its person goes back to the end of the line.
"""

from __future__ import annotations

from bot.domain import Event, Promotion
from bot.markup import bold, esc
from bot.model import Button, Reply
from bot.notify import Notifier
from bot.reminders import plan_person
from bot.timeparse import format_when, iso_utc
from bot.views import when_text


def promoted_reply(event: Event, promotion: Promotion, n: Notifier) -> Reply:
    return Reply(
        f"Good news: a spot opened up and you're now {bold('confirmed')} as {esc(promotion.role)} for "
        f"{bold(esc(event.title))} (#{event.id}), "
        f"{when_text(event, n.tz_of(promotion.person), n.now, home=n.config.campaign.tz)}.",
        buttons=(Button("Cancel my spot", f"cancel {event.id}", style="secondary"),),
    )


def offer_reply(event: Event, promotion: Promotion, n: Notifier) -> Reply:
    assert promotion.expires_at is not None
    tz = n.tz_of(promotion.person)
    return Reply(
        f"A spot opened up as {esc(promotion.role)} for {bold(esc(event.title))} (#{event.id}). It's yours if you "
        f"claim it by {format_when(promotion.expires_at, tz, now=n.now)}.",
        buttons=(Button("Claim my spot", f"claim {event.id}", style="success"),
                 Button("No thanks", f"cancel {event.id}", style="secondary")),
    )


async def refill(n: Notifier, event: Event, role_id: int) -> list[Promotion]:
    """Give free spots in ``role_id`` to the waitlist, and tell each person moved up."""
    if event.is_cancelled or event.starts_at <= n.now:
        return []
    offer_until = None
    if event.starts_at - n.now <= n.config.campaign.offer_window:
        offer_until = min(n.now + n.config.campaign.claim_window, event.starts_at)
    promoted = await n.tx.fill_open_spots(role_id, offer_until=offer_until)
    if not promoted:
        return []
    fresh = await n.tx.event(event.id)
    assert fresh is not None
    for promotion in promoted:
        if promotion.offered:
            assert promotion.expires_at is not None
            await n.tx.set_timer(f"offer:{promotion.signup_id}:{iso_utc(promotion.expires_at)}", "offer-expire",
                                 promotion.signup_id, promotion.expires_at, n.now)
            await n.dm(promotion.person, offer_reply(fresh, promotion, n), kind="offer", event_id=event.id,
                       expires_at=promotion.expires_at)  # late is fine while the offer stands
        else:
            await n.dm(promotion.person, promoted_reply(fresh, promotion, n), kind="promoted", event_id=event.id)
            await plan_person(n, fresh, promotion.person)
    return promoted


async def expire_offer(n: Notifier, signup_id: int) -> bool:
    """An offer ran out unanswered: release it, tell the person, and offer the spot to the next."""
    signup = await n.tx.signup_by_id(signup_id)
    role_id = await n.tx.expire_offer(signup_id, n.now)
    if role_id is None or signup is None:
        return False
    event = await n.tx.event(signup.event_id)
    assert event is not None
    if event.is_cancelled or event.starts_at <= n.now:
        return True  # the offer lapsed with the event: there is no spot to pass on, nor to sign up for again
    passed_on = await refill(n, event, role_id)
    title = f"{bold(esc(event.title))} (#{event.id})"
    if await n.tx.last_reached(person_id=signup.person.id, event_id=event.id, kind="offer"):
        why = "because it wasn't claimed in time"
    else:  # the bot was down (or the platform refused) for the whole claim window: never blame them
        why = "because I couldn't reach you while it was held for you"
    if passed_on:  # they stay in line, at its end: a missed message must not cost them their place
        place = await n.tx.requeue(signup_id)
        text = (f"A spot for {title} went to the next person {why}. You're back on the waitlist as number "
                f"{place}, and I'll message you if another spot opens; `cancel {event.id}` takes you off it.")
    else:  # nobody else was waiting: the spot is simply open again
        text = (f"A spot for {title} was offered to you and lapsed {why}. Nobody else is waiting, "
                f"so the spot is open again: `signup {event.id}` still takes it if you can come.")
    await n.dm(signup.person, Reply(text), kind="offer-expired", event_id=event.id)
    return True
