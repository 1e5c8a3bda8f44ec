"""The ``turnout`` command: the one composition root that builds the store, tasks and adapters.

Platform adapters are imported only when their platform is configured, so the console starts
fast and works without discord.py or slack-bolt loaded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence

from bot.app import Core
from bot.config import Config, ConfigError, load_config
from bot.logs import Redactor, setup_logging

log = logging.getLogger("turnout")


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH", help="SQLite database file (default: ./turnout.db)")
    common.add_argument("--config", metavar="PATH", help="TOML settings file (see config.example.toml)")
    common.add_argument("-v", "--verbose", action="store_true", help="log more")
    parser = argparse.ArgumentParser(
        prog="turnout", parents=[common],
        description="Volunteer coordination for grassroots campaigns, in Discord, Slack or this console.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", parents=[common], help="start every configured platform (the console if none)")
    sub.add_parser("console", parents=[common], help="chat with the bot in this terminal (or from a script)")
    sub.add_parser("export", parents=[common], help="print the whole campaign as JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"turnout: {exc}", file=sys.stderr)
        return 2
    redact = Redactor(config.secrets.values())
    setup_logging(logging.INFO if args.verbose else logging.WARNING, redact)
    db_path = args.db or config.db_path
    try:
        if command == "export":
            return asyncio.run(_export(config, db_path))
        if command == "console" or not _platforms(config):
            return asyncio.run(_console(config, db_path, redact))
        return asyncio.run(_run_platforms(config, db_path, redact))
    except KeyboardInterrupt:
        return 130


def _platforms(config: Config) -> list[str]:
    found = []
    if config.secrets.discord_token:
        found.append("discord")
    if config.secrets.slack_bot_token:
        found.append("slack")
    return found


async def _export(config: Config, db_path: str) -> int:
    from bot.export import export_data

    core = await Core.open(config, db_path=db_path)
    try:
        data = await export_data(core.store, config.campaign.tz)
    finally:
        await core.close()
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


async def _console(config: Config, db_path: str, redact: Redactor) -> int:
    from adapters.console import ConsoleChat
    from tasks.postman import Postman

    core = await Core.open(config, db_path=db_path)
    postman = Postman(store=core.store, clock=core.clock, max_lateness=config.campaign.max_lateness, redact=redact)
    chat = ConsoleChat(dispatcher=core.dispatcher, config=config, clock=core.clock, after_command=postman.flush)
    postman.add_transport(chat.transport)
    try:
        await postman.flush()
        if sys.stdin.isatty():
            await chat.run_interactive()
        else:
            await chat.run_script(sys.stdin)
        await postman.flush()
    finally:
        await core.close()
    return 0


async def _run_platforms(config: Config, db_path: str, redact: Redactor) -> int:
    names = ", ".join(_platforms(config))
    print(f"turnout: {names} configured, but this build has no adapter for it yet; "
          "unset the token to use the console.", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
