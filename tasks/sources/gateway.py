"""The real ``bot.gateway.Sources``: HTTP with one shared session, secrets from the settings."""

from __future__ import annotations

import aiohttp

from bot.config import Config
from tasks.sources.petitions import ACTION_NETWORK_API, fetch_count, parse_spec

USER_AGENT = "Turnout volunteer bot"


class SourceGateway:
    def __init__(self, config: Config, *, timeout: float = 20.0, action_network_api: str = ACTION_NETWORK_API) -> None:
        self.config = config
        self.timeout = timeout
        self.action_network_api = action_network_api
        self._session: aiohttp.ClientSession | None = None

    async def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(headers={"User-Agent": USER_AGENT})
        return self._session

    def petition_spec(self, spec: str) -> str:
        return str(parse_spec(spec))

    async def petition_count(self, spec: str) -> int:
        return await fetch_count(
            spec, session=await self.session(), api_key=self.config.secrets.action_network_api_key or None,
            timeout=self.timeout, base_url=self.action_network_api,
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
