"""The core stays platform-neutral (it loads no platform library and no scheduler), and the console starts light."""

import subprocess
import sys
from pathlib import Path

from tests.conftest import child_env


def test_the_core_imports_no_platform_library() -> None:
    code = (
        "import sys, bot.app, bot.cli, bot.catalog, bot.dispatch, bot.export\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('discord', 'slack_bolt', 'slack_sdk', 'apscheduler', 'adapters', 'tasks')]\n"
        "print(','.join(sorted(bad)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=child_env())
    assert out.stdout.strip() == ""


def test_the_console_starts_without_network_calendar_or_chart_libraries(tmp_path: Path) -> None:
    """Loading them cost the console a third of a second before its first reply; each loads when first used."""
    code = (
        "import sys\n"
        "from bot.cli import main\n"
        f"main(['console', '--db', {str(tmp_path / 'console.db')!r}])\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('aiohttp', 'icalendar', 'recurring_ical_events', 'matplotlib', 'discord', 'slack_bolt', 'slack_sdk')]\n"
        "print('loaded:', ','.join(sorted(bad)))\n"
    )
    env = child_env()
    out = subprocess.run([sys.executable, "-c", code], input="help\nevents\n", capture_output=True, text=True,
                         cwd=tmp_path, env=env, timeout=60, check=True)
    assert "what I can do" in out.stdout
    assert out.stdout.splitlines()[-1] == "loaded: "
