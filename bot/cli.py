"""The ``turnout`` command: the one composition root that builds the store, tasks and adapters.

Platform adapters are imported only when their platform is configured, so the console starts
fast and works without discord.py or slack-bolt loaded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Coroutine, Sequence
from typing import TYPE_CHECKING, Any

from bot import eventloop
from bot.app import Core
from bot.config import Config, ConfigError, load_config
from bot.logs import Redactor, setup_logging

if TYPE_CHECKING:  # the console must start without loading the tasks' libraries
    from tasks.postman import Postman
    from tasks.runner import Runner
    from tasks.scheduler import AlarmClock

log = logging.getLogger("turnout")


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH", help="SQLite database file (default: ./turnout.db)")
    common.add_argument("--config", metavar="PATH",
                        help="TOML settings file (default: ./turnout.toml if present; see config.example.toml)")
    common.add_argument("-v", "--verbose", action="store_true", help="log more")
    parser = argparse.ArgumentParser(
        prog="turnout", parents=[common],
        description="Volunteer coordination for grassroots campaigns, in Discord, Slack or this console.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", parents=[common], help="start every configured platform (the console if none)")
    console = sub.add_parser("console", parents=[common], help="chat with the bot in this terminal (or a script)")
    console.add_argument("--linger", type=float, default=0.0, metavar="SECONDS",
                         help="with a script, stay up this long after its last line to show scheduled messages")
    sub.add_parser("export", parents=[common], help="print the events, sign-ups and petitions as JSON")
    deliveries = sub.add_parser("deliveries", parents=[common], help="list scheduled, sent and failed messages")
    deliveries.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ics = sub.add_parser("import-ics", parents=[common], help="import meetings from a downloaded .ics file once")
    ics.add_argument("file", help="the calendar file")
    ics.add_argument("--calendar", metavar="NAME", help="which calendar the meetings belong to (default: file name)")
    discord = sub.add_parser("discord", parents=[common], help="Discord set-up: invite link, command sync")
    discord.add_argument("action", choices=("invite", "sync"),
                         help="invite: print the link that adds the bot to a server; sync: upload slash commands now")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    try:
        config = load_config(_config_path(args.config))
    except ConfigError as exc:
        print(f"turnout: {exc}", file=sys.stderr)
        return 2
    redact = Redactor(config.secrets.values())
    setup_logging(logging.INFO if args.verbose else logging.WARNING, redact)
    db_path = args.db or config.db_path
    if command in ("export", "deliveries") and (db_path == ":memory:" or not os.path.exists(db_path)):
        # Reading a mistyped path would create an empty database and "export" nothing, silently.
        print(f"turnout: there is no database at {db_path}; give the campaign's with --db PATH", file=sys.stderr)
        return 2
    try:
        if command == "export":
            return eventloop.run(_export(config, db_path))
        if command == "deliveries":
            return eventloop.run(_deliveries(config, db_path, as_json=args.json))
        if command == "discord":
            return _discord(config, db_path, args.action)
        if command == "import-ics":
            from tasks.ics_import import main_import

            return main_import(config, db_path, args.file, args.calendar)
        if command == "console" or not _platforms(config):
            return eventloop.run(_until_stopped(_console(config, db_path, redact, linger=getattr(args, "linger", 0.0))))
        return eventloop.run(_until_stopped(_run_platforms(config, db_path, redact)))
    except KeyboardInterrupt:
        return 130


async def _until_stopped(main: Coroutine[Any, Any, int]) -> int:
    """Run ``main``; SIGTERM (systemd, docker stop) cancels it so its clean-up runs and nothing is half-sent."""
    task = asyncio.ensure_future(main)
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError):  # no signal handlers on some platforms
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        return await task
    except asyncio.CancelledError:
        return 0
    finally:
        with contextlib.suppress(NotImplementedError):
            loop.remove_signal_handler(signal.SIGTERM)


#: Read when present and no --config is given, so `make run` picks up a campaign's settings.
DEFAULT_CONFIG = "turnout.toml"


def _config_path(given: str | None) -> str | None:
    if given is not None:
        return given
    return DEFAULT_CONFIG if os.path.exists(DEFAULT_CONFIG) else None


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


def _discord(config: Config, db_path: str, action: str) -> int:
    if action == "invite":
        from adapters.discordbot import invite_url

        if not config.discord.application_id:
            print("turnout: set [discord] application_id (Developer Portal -> General Information) first",
                  file=sys.stderr)
            return 2
        print(invite_url(config.discord.application_id))
        return 0
    if not config.secrets.discord_token:
        print("turnout: DISCORD_TOKEN is not set", file=sys.stderr)
        return 2
    return eventloop.run(_discord_sync(config, db_path))


async def _discord_sync(config: Config, db_path: str) -> int:
    from adapters.discordbot import sync_commands

    core = await Core.open(config, db_path=db_path)
    try:
        count = await sync_commands(core)
    finally:
        await core.close()
    print(f"uploaded {count} slash commands")
    return 0


async def _deliveries(config: Config, db_path: str, *, as_json: bool) -> int:
    from bot.handlers.deliveries import delivery_line, delivery_record

    core = await Core.open(config, db_path=db_path)
    try:
        async with core.store.snapshot() as tx:
            rows = await tx.deliveries(limit=100_000)
    finally:
        await core.close()
    if as_json:
        json.dump([delivery_record(d) for d in rows], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        now = core.clock.now()
        for d in rows:
            print(delivery_line(d, config.campaign.tz, now))
    return 0


async def _open_core(config: Config, db_path: str) -> Core:
    """The core with real outside sources (petition counts, calendars)."""
    from tasks.sources.gateway import SourceGateway

    return await Core.open(config, db_path=db_path, sources=SourceGateway(config))


async def _close_core(core: Core) -> None:
    if core.sources is not None:
        await core.sources.close()
    await core.close()


class Service:
    """The running bot minus its adapters: core, postman (with its throttle), runner and alarm clock.

    ``open`` builds it; adapters add their transports; ``start`` delivers what is due and arms the
    alarm; ``stop`` winds down in the order that loses nothing (no new alarms, the tick in hand
    finishes and records what it sent, then the store closes).
    """

    def __init__(self, core: Core, postman: Postman, runner: Runner, alarm: AlarmClock) -> None:
        self.core, self.postman, self.runner, self.alarm = core, postman, runner, alarm

    @classmethod
    async def open(cls, config: Config, db_path: str, redact: Redactor) -> Service:
        from tasks.postman import Postman
        from tasks.ratelimit import Throttle
        from tasks.runner import Runner
        from tasks.scheduler import AlarmClock

        core = await _open_core(config, db_path)
        delivery = config.delivery
        # Discord's overall limit is kept by its transport, which also sees interactive replies.
        throttle = Throttle(per_platform={}, per_channel={"slack": delivery.slack_per_channel_per_second})
        postman = Postman(store=core.store, clock=core.clock, max_lateness=config.campaign.max_lateness,
                          redact=redact, throttle=throttle, concurrency=delivery.concurrency)
        runner = Runner(store=core.store, clock=core.clock, config=config, postman=postman, sources=core.sources)
        alarm = AlarmClock(runner.kick)
        runner.alarm = alarm
        core.dispatcher.on_queued = runner.kick
        return cls(core, postman, runner, alarm)

    async def start(self) -> None:
        self.alarm.start()
        await self.runner.start()

    async def stop(self) -> None:
        self.alarm.pause()
        await self.runner.close()
        self.alarm.shutdown()
        await _close_core(self.core)


async def _console(config: Config, db_path: str, redact: Redactor, *, linger: float) -> int:
    from adapters.console import ConsoleChat

    service = await Service.open(config, db_path, redact)
    runner = service.runner
    chat = ConsoleChat(dispatcher=service.core.dispatcher, config=config, clock=service.core.clock,
                       after_command=runner.tick)
    service.postman.add_transport(chat.transport)
    try:
        await service.start()
        if sys.stdin.isatty():
            await chat.run_interactive()
        else:
            await chat.run_script(sys.stdin)
            if linger > 0:
                await asyncio.sleep(linger)  # the alarm keeps delivering meanwhile
        await runner.tick()
    finally:
        await service.stop()
    return 0


async def _run_platforms(config: Config, db_path: str, redact: Redactor) -> int:
    """Every configured platform in one process, sharing one store, outbox and alarm clock."""
    service = await Service.open(config, db_path, redact)
    core, postman = service.core, service.postman
    platforms = []
    try:
        if config.secrets.slack_bot_token:
            from adapters.slackbot import run_slack

            platforms.append(asyncio.ensure_future(run_slack(core, postman, config)))
        if config.secrets.discord_token:
            from adapters.discordbot import run_discord

            platforms.append(asyncio.ensure_future(run_discord(core, postman, config)))
        await service.start()
        log.info("Turnout is running on %s", ", ".join(_platforms(config)))
        done, _ = await asyncio.wait(platforms, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            task.result()  # a platform that stopped with an error stops the bot, with that error
        return 0
    except Exception as exc:  # a setup problem (bad token, unreachable API): one line, not a traceback
        log.debug("platform start-up failed", exc_info=True)
        print(f"turnout: {redact(str(exc)) or type(exc).__name__}", file=sys.stderr)
        return 2
    finally:
        for task in platforms:
            task.cancel()
        await asyncio.gather(*platforms, return_exceptions=True)
        await service.stop()


if __name__ == "__main__":
    raise SystemExit(main())
