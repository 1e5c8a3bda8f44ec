"""The real ``bot.gateway.Sources``: HTTP with one shared session, secrets from the settings."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.config import Config
from bot.meetings import parse_spec as parse_calendar_spec
from tasks.sources.legistar import LEGISTAR_API
from tasks.sources.meeting import Meeting
from tasks.sources.petitions import ACTION_NETWORK_API, fetch_count, parse_spec

if TYPE_CHECKING:
    import aiohttp

USER_AGENT = "Turnout volunteer bot"


class SourceGateway:
    def __init__(
        self, config: Config, *, timeout: float = 20.0, action_network_api: str = ACTION_NETWORK_API,
        legistar_api: str = LEGISTAR_API,
    ) -> None:
        self.config = config
        self.timeout = timeout
        self.action_network_api = action_network_api
        self.legistar_api = legistar_api
        self._session: aiohttp.ClientSession | None = None

    async def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            import aiohttp  # here, not at the top: the console starts without loading it (0.3 s)

            self._session = aiohttp.ClientSession(headers={"User-Agent": USER_AGENT})
        return self._session

    def petition_spec(self, spec: str) -> str:
        return str(parse_spec(spec))

    async def petition_count(self, spec: str) -> int:
        return await fetch_count(
            spec, session=await self.session(), api_key=self.config.secrets.action_network_api_key or None,
            timeout=self.timeout, base_url=self.action_network_api,
        )

    async def calendar_meetings(self, spec: str, *, now: datetime) -> tuple[list[Meeting], datetime]:
        from tasks.calendar_jobs import fetch_meetings

        return await fetch_meetings(parse_calendar_spec(spec, allow_file=True), session=await self.session(),
                                    now=now, config=self.config, legistar_api=self.legistar_api)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
