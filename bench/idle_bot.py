"""The bot the footprint benchmark measures: console, Discord and Slack adapters in one process.

``turnout run`` starts the configured platforms but not the console, so this module takes the
same ``Service`` the ``turnout`` command builds (core, postman with its throttle, runner, alarm
clock) and runs all three adapters on it. It prints ``ready`` once started; the console keeps reading
standard input, which the benchmark holds open and silent.

    python -m bench.idle_bot CONFIG.toml DB_PATH
"""

from __future__ import annotations

import asyncio
import logging
import sys

from adapters.console import ConsoleChat
from bot import eventloop
from bot.cli import Service
from bot.config import load_config
from bot.logs import Redactor, setup_logging


async def serve(config_path: str, db_path: str) -> None:
    from adapters.discordbot import run_discord
    from adapters.slackbot import run_slack

    config = load_config(config_path)
    redact = Redactor(config.secrets.values())
    setup_logging(logging.WARNING, redact)
    service = await Service.open(config, db_path, redact)
    core, postman = service.core, service.postman
    chat = ConsoleChat(dispatcher=core.dispatcher, config=config, clock=core.clock, after_command=service.runner.tick)
    postman.add_transport(chat.transport)
    parts = [
        asyncio.ensure_future(run_slack(core, postman, config)),
        asyncio.ensure_future(run_discord(core, postman, config)),
        asyncio.ensure_future(chat.run_script(sys.stdin)),
    ]
    try:
        await service.start()
        print("ready", flush=True)
        done, _ = await asyncio.wait(parts, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
    finally:
        for task in parts:
            task.cancel()
        await asyncio.gather(*parts, return_exceptions=True)
        await service.stop()


if __name__ == "__main__":
    eventloop.run(serve(sys.argv[1], sys.argv[2]))
