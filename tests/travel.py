"""``python -m tests.travel INSTANT ARGS...``: run ``turnout ARGS...`` with its clock set to INSTANT.

Time flows on from INSTANT at its real pace (time-machine patches ``datetime.now`` and ``time.time``
in this process only; the event loop's monotonic clock is untouched, so APScheduler's waits are the
real differences between instants of the shifted clock). A test can then start a bot a moment
before something falls due, however far ahead that is, without waiting for it.
"""

import sys
from datetime import datetime

import time_machine

from bot.cli import main

if __name__ == "__main__":
    instant = datetime.fromisoformat(sys.argv[1])
    if instant.tzinfo is None:
        sys.exit("tests.travel: give the instant with its UTC offset")
    with time_machine.travel(instant, tick=True):
        sys.exit(main(sys.argv[2:]))
