"""The core stays platform-neutral: importing it loads no platform library and no scheduler."""

import subprocess
import sys


def test_the_core_imports_no_platform_library() -> None:
    code = (
        "import sys, bot.app, bot.cli, bot.catalog, bot.dispatch, bot.export\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('discord', 'slack_bolt', 'slack_sdk', 'apscheduler', 'adapters', 'tasks')]\n"
        "print(','.join(sorted(bad)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
