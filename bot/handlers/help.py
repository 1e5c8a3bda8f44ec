"""``help``: generated from the declarations, so it can never disagree with the parser."""

from __future__ import annotations

from typing import Any

from bot.commands import Command, Param, Registry
from bot.context import Context
from bot.errors import NotFound
from bot.markup import bold, esc
from bot.model import Reply
from bot.textparse import near_miss


def command_help(command: Command) -> str:
    lines = [f"{bold(esc(command.name))}: {esc(command.summary)}", f"Usage: `{esc(command.usage)}`"]
    for param in command.params:
        lines.append(f"- `{esc(param.placeholder)}`: {esc(param.help)}")
    if command.details:
        lines.append(command.details)
    if command.examples:
        lines.append("Examples: " + ", ".join(f"`{esc(e)}`" for e in command.examples))
    return "\n".join(lines)


async def help_(ctx: Context, args: dict[str, Any]) -> Reply:
    if args.get("command"):
        wanted = " ".join(args["command"].lower().lstrip("/").split())
        command = ctx.registry.get(wanted) or ctx.registry.get(near_miss(wanted.split(), ctx.registry) or "")
        if command is None:  # help sign up, help singup: the one meant, as a command would be answered
            raise NotFound(f"There is no command `{esc(wanted[:40])}`. Type `help` for the list.")
        return Reply(command_help(command))
    everyone = [c for c in ctx.registry if not c.organizer]
    organizers = [c for c in ctx.registry if c.organizer]
    lines = [bold(f"{esc(ctx.config.campaign.name)}: what I can do")]
    lines += [f"- `{esc(c.usage)}`: {esc(c.summary)}" for c in everyone]
    if ctx.is_organizer:
        lines.append(bold("For organizers"))
        lines += [f"- `{esc(c.usage)}`: {esc(c.summary)}" for c in organizers]
    lines.append("Type `help <command>` for details and examples.")
    return Reply("\n".join(lines))


def register(registry: Registry) -> None:
    registry.add(Command(
        "help", "What I can do, or how to use one command", help_,
        (Param("command", "words", "A command name", required=False, max_length=40),), stores_asker=False,
        examples=("help", "help signup"),
    ))
