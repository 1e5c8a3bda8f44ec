"""Turnout's command core: platform-neutral domain, commands, storage and delivery outbox.

Nothing under ``bot`` imports a chat platform library or APScheduler; ``bot.cli`` is the one
composition root that wires adapters and tasks in, and only when they are configured.
"""
