"""The bot the footprint benchmark measures: console, Discord and Slack adapters in one process.

``turnout run`` starts the configured platforms but not the console, so this module composes the
same parts the ``turnout`` command does (core, postman with its throttle, runner, alarm clock) and
runs all three adapters on them. It prints ``ready`` once started; the console keeps reading
standard input, which the benchmark holds open and silent.

    python -m bench.idle_bot CONFIG.toml DB_PATH
"""

from __future__ import annotations

import asyncio
import logging
import sys

from adapters.console import ConsoleChat
from bot.app import Core
from bot.config import load_config
from bot.logs import Redactor, setup_logging


async def serve(config_path: str, db_path: str) -> None:
    from adapters.discordbot import run_discord
    from adapters.slackbot import run_slack
    from tasks.postman import Postman
    from tasks.ratelimit import Throttle
    from tasks.runner import Runner
    from tasks.scheduler import AlarmClock

    config = load_config(config_path)
    redact = Redactor(config.secrets.values())
    setup_logging(logging.WARNING, redact)
    core = await Core.open(config, db_path=db_path)
    delivery = config.delivery
    throttle = Throttle(per_platform={}, per_channel={"slack": delivery.slack_per_channel_per_second})
    postman = Postman(store=core.store, clock=core.clock, max_lateness=config.campaign.max_lateness,
                      redact=redact, throttle=throttle, concurrency=delivery.concurrency)
    runner = Runner(store=core.store, clock=core.clock, config=config, postman=postman)
    alarm = AlarmClock(runner.kick)
    runner.alarm = alarm
    core.dispatcher.on_queued = runner.kick
    chat = ConsoleChat(dispatcher=core.dispatcher, config=config, clock=core.clock, after_command=runner.tick)
    postman.add_transport(chat.transport)
    parts = [
        asyncio.ensure_future(run_slack(core, postman, config)),
        asyncio.ensure_future(run_discord(core, postman, config, wake=runner.kick)),
        asyncio.ensure_future(chat.run_script(sys.stdin)),
    ]
    try:
        alarm.start()
        await runner.start()
        print("ready", flush=True)
        done, _ = await asyncio.wait(parts, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
    finally:
        for task in parts:
            task.cancel()
        await asyncio.gather(*parts, return_exceptions=True)
        alarm.shutdown()
        await runner.close()
        await core.close()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], sys.argv[2]))
