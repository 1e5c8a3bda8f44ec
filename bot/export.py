"""``turnout export``: the whole campaign as one JSON document (the organizers' backup)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.store import Store


async def export_data(store: Store, tz: ZoneInfo) -> dict[str, Any]:
    async with store.snapshot() as tx:
        events = await tx.all_events()
        out_events = []
        for event in events:
            signups = await tx.event_signups(event.id, include_cancelled=True)
            out_events.append({
                "id": event.id,
                "title": event.title,
                "kind": event.kind,
                "starts_at": event.starts_at.astimezone(tz).isoformat(),
                "ends_at": event.ends_at.astimezone(tz).isoformat(),
                "location": event.location,
                "status": event.status,
                "roles": [{"name": r.name, "spots": r.spots} for r in event.roles],
                "signups": [
                    {
                        "person": s.person.display_name,
                        "platform": s.person.platform,
                        "role": s.role,
                        "status": s.status,
                        "position": s.position,
                        "checked_in": s.checked_in_at is not None,
                    }
                    for s in signups
                ],
            })
        petitions = [
            {"name": p.name, "count": p.total, "online": p.online, "paper": p.paper, "goal": p.goal}
            for p in await tx.petitions()
        ]
    return {"events": out_events, "petitions": petitions}
