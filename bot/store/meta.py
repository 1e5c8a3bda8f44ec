"""Small key/value settings the bot keeps about itself (command hashes, schema notes)."""

from __future__ import annotations

from bot.store.base import Queries


class MetaQueries(Queries):
    async def get_meta(self, key: str) -> str | None:
        return await self.scalar("SELECT value FROM meta WHERE key = ?", (key,))

    async def set_meta(self, key: str, value: str) -> None:
        await self.run(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
