"""Who counts as an organizer on Slack: configured user ids, or members of configured user groups.

Group membership comes from ``usergroups.users.list`` and is cached briefly: a click should not
cost an API call (that method is rate-limited), but removing someone from the group should take
effect within a minute. The core still decides what an organizer may do.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

DEFAULT_TTL = 60.0


class Organizers:
    def __init__(
        self,
        ids: Iterable[str],
        *,
        client: AsyncWebClient,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        ids = [i.strip() for i in ids if i.strip()]
        self.users = frozenset(i for i in ids if not i.startswith("S"))
        self.groups = tuple(i for i in ids if i.startswith("S"))
        self._client = client
        self._ttl = ttl
        self._clock = clock
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = asyncio.Lock()

    async def is_organizer(self, user_id: str, *, within: float | None = None) -> bool:
        """Whether ``user_id`` organizes. With ``within``, a group lookup that takes longer (Slack asked
        us to wait out a rate limit) is abandoned for what was last known, so an acknowledgement or a
        form's trigger that expires in 3 s is never missed for it."""
        if user_id in self.users:
            return True
        if not self.groups:
            return False
        try:
            return await asyncio.wait_for(self._in_a_group(user_id), within)
        except TimeoutError:
            log.warning("Slack user groups took over %s s to read; using what was last known", within)
            return any(user_id in members for _, members in self._members.values())

    async def _in_a_group(self, user_id: str) -> bool:
        for group in self.groups:
            if user_id in await self._group_members(group):
                return True
        return False

    async def _group_members(self, group: str) -> frozenset[str]:
        async with self._lock:  # one lookup per group at a time, not one per click
            cached = self._members.get(group)
            if cached is not None and self._clock() < cached[0]:
                return cached[1]
            try:
                response = await self._client.usergroups_users_list(usergroup=group)
                members = frozenset(str(u) for u in response.get("users") or [])
            except SlackApiError as exc:
                # A missing scope or a deleted group must not lock organizers out for long, nor let anyone in.
                log.warning("could not read Slack user group %s: %s", group, exc.response.get("error"))
                members = cached[1] if cached is not None else frozenset()
            self._members[group] = (self._clock() + self._ttl, members)
            return members
