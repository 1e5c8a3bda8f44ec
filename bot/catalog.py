"""Every command Turnout knows, registered (and checked) in one place."""

from __future__ import annotations

from bot.commands import Registry
from bot.handlers import calendars, channels, deliveries, events, help, people, petitions, signups

FEATURES = (help, events, signups, petitions, calendars, people, channels, deliveries)


def build_registry() -> Registry:
    registry = Registry()
    for feature in FEATURES:
        feature.register(registry)
    return registry
