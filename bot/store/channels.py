"""Channels linked for announcements, reminders and petition posts, on any platform."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.domain import ChannelLink, LinkPurpose
from bot.store.base import Queries
from bot.timeparse import iso_utc


def linked_channels(conn: sqlite3.Connection, purpose: LinkPurpose) -> list[ChannelLink]:
    rows = conn.execute("SELECT * FROM channel_links WHERE purpose = ? ORDER BY id", (purpose,)).fetchall()
    return [ChannelLink(r["id"], r["purpose"], r["platform"], r["workspace_id"], r["channel_id"], r["label"])
            for r in rows]


class ChannelQueries(Queries):
    async def link_channel(
        self, purpose: LinkPurpose, platform: str, workspace_id: str, channel_id: str, label: str, now: datetime
    ) -> bool:
        """Link a channel; False when it already was."""
        changed = await self.run(
            "INSERT INTO channel_links (purpose, platform, workspace_id, channel_id, label, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (purpose, platform, channel_id) DO NOTHING",
            (purpose, platform, workspace_id, channel_id, label, iso_utc(now)),
        )
        return changed == 1

    async def unlink_channel(self, purpose: LinkPurpose, platform: str, channel_id: str) -> bool:
        changed = await self.run(
            "DELETE FROM channel_links WHERE purpose = ? AND platform = ? AND channel_id = ?",
            (purpose, platform, channel_id),
        )
        return changed == 1

    async def linked_channels(self, purpose: LinkPurpose) -> list[ChannelLink]:
        return await self.call(linked_channels, purpose)
