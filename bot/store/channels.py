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


def _unlink_channel(conn: sqlite3.Connection, purpose: LinkPurpose, platform: str, channel_id: str,
                    now: datetime) -> int | None:
    row = conn.execute("DELETE FROM channel_links WHERE purpose = ? AND platform = ? AND channel_id = ? RETURNING id",
                       (purpose, platform, channel_id)).fetchone()
    if row is None:
        return None
    # Every post planned for a link carries its id at the end of its key (``bot.notify``, ``bot.reminders``).
    return conn.execute(
        "UPDATE deliveries SET state = 'cancelled', updated_at = ? WHERE state = 'pending' "
        "AND target_kind = 'channel' AND key LIKE ?", (iso_utc(now), f"%:ch{row[0]:d}"),
    ).rowcount


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

    async def unlink_channel(self, purpose: LinkPurpose, platform: str, channel_id: str, now: datetime) -> int | None:
        """Unlink a channel and withdraw the posts still planned for it there; returns how many were
        withdrawn, or None when it was not linked."""
        return await self.call(_unlink_channel, purpose, platform, channel_id, now)

    async def linked_channels(self, purpose: LinkPurpose) -> list[ChannelLink]:
        return await self.call(linked_channels, purpose)
