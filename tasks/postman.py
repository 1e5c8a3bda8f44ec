"""Sends what is due in the outbox, once each, through the transport of the row's platform.

Each row is claimed (``pending`` -> ``sending``), and the claim committed, before the platform is
called, so two postmen, or a retry racing a restart, can never send it twice. The outcome is
recorded straight after: ``sent``; back to ``pending`` later on a failure that may pass; ``failed``
when attempts run out or the platform refuses for good. A refused DM falls back, once, to a
mention in the channels linked for reminders.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.delivery import DeliveryFailed, DeliveryRefused, DeliveryUncertain, Transport
from bot.domain import Delivery
from bot.model import Outgoing, Reply, Target
from bot.notify import channel_target
from bot.store import Store
from bot.store.outbox import claim_delivery, mark_delivery_sent, skip_delivery, unclaim_delivery
from bot.timeparse import iso_utc
from tasks.ratelimit import Throttle

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
#: How long rate limits (which cost no attempt) may keep a message waiting before they count.
RATE_LIMIT_PATIENCE = timedelta(hours=12)
BASE_BACKOFF = timedelta(seconds=30)
#: Kinds that are about a moment in time: too late is worse than never.
TIMELY_KINDS = frozenset({"reminder", "confirm", "understaffed", "digest", "announcement-scheduled"})
#: Due rows read at a time.
PAGE_SIZE = 100


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    delay = BASE_BACKOFF * (2 ** max(attempts - 1, 0))
    if retry_after is not None:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


class Postman:
    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        transports: Iterable[Transport] = (),
        max_lateness: timedelta = timedelta(hours=1),
        redact: Callable[[str], str] = lambda text: text,
        throttle: Throttle | None = None,
        concurrency: int = 8,
    ) -> None:
        self.store = store
        self.clock = clock
        self.transports: dict[str, Transport] = {t.platform: t for t in transports}
        self.max_lateness = max_lateness
        self._redact = redact
        self._throttle = throttle
        self._slots = asyncio.Semaphore(concurrency)
        self._flushing = asyncio.Lock()

    def add_transport(self, transport: Transport) -> None:
        self.transports[transport.platform] = transport

    async def flush(self) -> int:
        """Send everything due on the platforms we have; returns how many were sent.

        Due rows are read a page at a time, each page after the last row of the one before (by due time
        and id, not by state), so the next page is read and queued while this one is still going out:
        the throttle never waits for the database between pages.
        """
        async with self._flushing:
            sent = 0
            tried: set[int] = set()  # a row retried "now" waits for the next flush, never loops here
            last: Delivery | None = None
            pages: list[asyncio.Future[list[int]]] = []  # going out: at most two, the second queued behind the first
            try:
                while True:
                    due = await self._due_page(after=last)
                    fresh = [d for d in due if d.id not in tried]
                    if fresh:
                        tried.update(d.id for d in fresh)
                        last = due[-1]
                        # In due order: tasks start in this order and the throttle serves them first come first served.
                        pages.append(asyncio.gather(*(self._deliver_throttled(d) for d in fresh)))
                    elif not pages:
                        return sent
                    if len(pages) == 2 or not fresh:
                        sent += sum(await pages.pop(0))
            finally:
                for page in pages:
                    page.cancel()  # a flush that stops early leaves no sends running on their own

    async def _due_page(self, *, after: Delivery | None) -> list[Delivery]:
        async with self.store.snapshot() as tx:
            return await tx.due_deliveries(self.clock.now(), set(self.transports), limit=PAGE_SIZE, after=after)

    async def _deliver_throttled(self, delivery: Delivery) -> int:
        async with self._slots:
            if self._throttle is not None:
                channel = delivery.address if delivery.target_kind == "channel" else None
                await self._throttle.wait(delivery.platform, channel)
            return await self.deliver(delivery)

    async def _claim(self, delivery: Delivery, now: datetime) -> bool:
        """Claim the row; a flush cancelled meanwhile (shutdown) hands it back, since nothing was sent."""
        claim = asyncio.ensure_future(self.store.apply(claim_delivery, delivery.id, now))
        try:
            return await asyncio.shield(claim)
        except asyncio.CancelledError:
            if not claim.cancelled() and await claim:
                await self.store.apply(unclaim_delivery, delivery.id)
            raise

    async def deliver(self, delivery: Delivery) -> int:
        """Claim and send one row; returns 1 if this call sent it."""
        now = self.clock.now()
        if delivery.expires_at is not None and now >= delivery.expires_at:
            await self.store.apply(skip_delivery, delivery.id, "too late to be of use: it had to go by "
                                   f"{iso_utc(delivery.expires_at)}", now)
            return 0
        if delivery.kind in TIMELY_KINDS and now - delivery.due_at > self.max_lateness:
            late = now - delivery.due_at
            await self.store.apply(skip_delivery, delivery.id, f"{int(late.total_seconds() // 60)} min late", now)
            return 0
        if not await self._claim(delivery, now):
            return 0  # someone else has it
        transport = self.transports[delivery.platform]
        target = Target(delivery.platform, delivery.target_kind, delivery.address,  # type: ignore[arg-type]
                        delivery.workspace_id, delivery.label)
        try:
            message_id = await transport.send(target, Reply.from_json(delivery.payload), key=delivery.key)
        except DeliveryRefused as exc:
            await self._refused(delivery, target, self._redact(str(exc)))
            return 0
        except DeliveryFailed as exc:
            await self._failed(delivery, self._redact(str(exc)), exc.retry_after)
            return 0
        except DeliveryUncertain as exc:
            log.warning("delivery %s may or may not have arrived: %s", delivery.id, self._redact(str(exc)))
            async with self.store.transaction() as tx:
                await tx.mark_final(delivery.id, "uncertain", self._redact(str(exc)), self.clock.now())
            return 0
        except Exception as exc:  # a bug or an unexpected platform error: record it, keep going
            log.exception("delivery %s raised", delivery.id)
            await self._failed(delivery, self._redact(f"{type(exc).__name__}: {exc}"), None)
            return 0
        await self.store.apply(mark_delivery_sent, delivery.id, message_id, self.clock.now())
        return 1

    async def _failed(self, delivery: Delivery, error: str, retry_after: float | None) -> None:
        now = self.clock.now()
        attempts = delivery.attempts + 1
        async with self.store.transaction() as tx:
            if retry_after is not None and now - delivery.due_at < RATE_LIMIT_PATIENCE:
                # The platform asked us to wait, not to give up: that costs no attempt. Times are kept to
                # the second, so wait at least one, or the row would be due again at once.
                wait = timedelta(seconds=max(math.ceil(retry_after), 1))
                await tx.mark_retry(delivery.id, error, now + wait, now, refund=True)
            elif attempts >= MAX_ATTEMPTS:
                log.warning("delivery %s failed for good after %d attempts: %s", delivery.id, attempts, error)
                await tx.mark_final(delivery.id, "failed", error, now)
            else:
                await tx.mark_retry(delivery.id, error, now + backoff(attempts, retry_after), now)

    async def _refused(self, delivery: Delivery, target: Target, error: str) -> None:
        now = self.clock.now()
        async with self.store.transaction() as tx:
            await tx.mark_final(delivery.id, "failed", f"refused: {error}", now)
            if target.kind != "dm" or delivery.kind.startswith("fallback"):
                return
            # The channel is told that there is a message, never what it says: who goes to what is the
            # person's own business. ``mine`` answers them privately.
            note = Reply("I couldn't DM you. Type `mine` to see your sign-ups (only you see the answer), and "
                         "allow direct messages from me so reminders reach you.", visibility="channel",
                         mention=target.address)
            for link in await tx.linked_channels("reminders"):
                if link.platform != target.platform:
                    continue  # a mention only works on the person's own platform
                channel = channel_target(link)
                # One nudge a day per person and channel, however many of their DMs were refused.
                key = f"fallback:{target.platform}:{target.address}:{now.date().isoformat()}:{link.id}"
                await tx.enqueue(Outgoing(channel, note, key=key,
                                          person_id=delivery.person_id),
                                 kind=f"fallback-{delivery.kind}", now=now, event_id=delivery.event_id)
