"""Outgoing messages (reminders, announcements, fallbacks) sent with the bot token.

Scheduled messages never use an interaction token (it dies after 15 minutes). Each message
carries a nonce derived from the outbox key with ``enforce_nonce``, so a retry after a lost
answer returns Discord's existing message instead of posting it twice. Errors are sorted into
the two kinds the Postman understands: refused for good, or worth trying again.
"""

from __future__ import annotations

import hashlib
import logging

import aiohttp
import discord

from adapters.discordbot.people import PLATFORM
from adapters.discordbot.render import render
from bot.delivery import DeliveryFailed, DeliveryRefused, retry_after_seconds
from bot.model import Reply, Target
from tasks.ratelimit import TokenBucket

log = logging.getLogger(__name__)

#: Our own limit on REST calls, below Discord's global 50 per second: discord.py only reacts to 429s after
#: the fact, and repeated 429s count towards Cloudflare's ban on invalid requests. The burst leaves room
#: under 50 in any one second for discord.py's own retries.
RATE = 35.0
BURST = 5
#: Discord refuses DMs to this user (closed DMs, no shared server, blocked).
CANNOT_DM = 50007
MAX_NONCE = 25


def nonce_for(key: str, part: int = 0) -> str:
    """Stable per outbox key and message part, within Discord's 25 characters."""
    return hashlib.blake2b(f"{key}#{part}".encode(), digest_size=12).hexdigest()[:MAX_NONCE]


def classify(exc: BaseException, target: Target) -> Exception:
    """The Postman's view of a failed send."""
    if isinstance(exc, discord.HTTPException):
        if exc.code == CANNOT_DM or exc.status in (403, 404):
            return DeliveryRefused(f"{target.describe()}: {exc.status} {exc.code} {exc.text[:200]}")
        retry_after = getattr(exc, "retry_after", None)
        if exc.status == 429 and retry_after is None and isinstance(exc.response, aiohttp.ClientResponse):
            retry_after = retry_after_seconds(exc.response.headers.get("Retry-After"))
        return DeliveryFailed(f"{target.describe()}: {exc.status} {exc.code} {exc.text[:200]}",
                              retry_after=retry_after)
    if isinstance(exc, discord.RateLimited):
        return DeliveryFailed(f"{target.describe()}: rate limited", retry_after=exc.retry_after)
    return DeliveryFailed(f"{target.describe()}: {type(exc).__name__}: {exc}")


class DiscordTransport:
    """What the Postman calls for rows whose platform is ``discord``."""

    platform = PLATFORM

    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self.limiter = TokenBucket(RATE, burst=BURST)

    async def _channel(self, target: Target) -> discord.abc.Messageable:
        if target.kind == "dm":
            # create_dm answers from discord.py's cache when it can; the token is cheap either way.
            await self.limiter.acquire()
            return await self.client.create_dm(discord.Object(int(target.address)))
        return self.client.get_channel(int(target.address)) or self.client.get_partial_messageable(
            int(target.address))

    async def send(self, target: Target, reply: Reply, *, key: str) -> str | None:
        if target.platform != PLATFORM:
            raise DeliveryRefused(f"{target.describe()} is not a Discord target")
        if not target.address.isdigit():
            raise DeliveryRefused(f"{target.describe()}: not a Discord id")
        first_id: str | None = None
        try:
            channel = await self._channel(target)
            for part, message in enumerate(render(reply)):
                await self.limiter.acquire()
                sent = await channel.send(**message.kwargs(), nonce=nonce_for(key, part))
                first_id = first_id or str(sent.id)
        except (TimeoutError, discord.DiscordException, aiohttp.ClientError, OSError) as exc:
            raise classify(exc, target) from exc
        return first_id
