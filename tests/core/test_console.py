"""The console adapter driven as a real subprocess, the way a user's script drives it."""

import io
import json
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from adapters.console import ConsoleChat
from tests.conftest import AHEAD, Bot, child_env

CAMPAIGN = f"""\
# A whole campaign, typed by the organizer (you) and three volunteers.
event add Council meeting when:"{AHEAD}-12-01 19:00" where:"101 City Hall Plaza" roles:"speaker=2,attendee"
event add Canvass Old North when:"{AHEAD}-11-29 10:00" duration:3h spots:1
channel link announcements
ann: signup 1 speaker
bo: signup 1 speaker
cy: signup 1 speaker
cy: mine
ann: signup 2
bo: signup 2
ann: cancel 1
petition add resolution goal:1000
petition set resolution 736
petition paper resolution 40
petition
announce Pack the chambers on Monday!
checkin 2 ann
roster 1
event 2
bo: 2
vera: event add Sneaky when:"{AHEAD}-12-02 10:00"
nonsense here
"""


def run_console(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = child_env()
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "console", "--db", str(tmp_path / "campaign.db"), *args],
        input=script, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60,
    )


def test_a_scripted_campaign_runs_end_to_end(tmp_path: Path) -> None:
    result = run_console(tmp_path, CAMPAIGN)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Traceback" not in out + result.stderr
    weekday = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[date(AHEAD, 12, 1).weekday()]
    assert f"Added event: #1 Council meeting · {weekday}, Dec 1 {AHEAD} · 7:00 PM–9:00 PM EST" in out
    assert "Council meeting (#1) is full for speaker, so you're number 1 on the waitlist." in out
    assert ("[DM cy] Good news: a spot opened up and you're now confirmed as speaker for Council meeting (#1), "
            f"{weekday}, Dec 1 {AHEAD}") in out
    assert "resolution: 776 of 1,000 signatures (77%)" in out
    assert "[#general] Announcement: Pack the chambers on Monday!" in out
    assert "Checked in ann for Canvass Old North (#2)." in out
    assert "(file saved: turnout-files/roster-event-1.csv)" in out
    assert "Cancelled your waitlist place for Canvass Old North (#2)." in out  # bo pressed [2] Cancel my spot
    assert "Not allowed: `event add` is for organizers only." in out
    assert "Hmm: I don't know the command `nonsense`." in out
    roster = (tmp_path / "turnout-files" / "roster-event-1.csv").read_text()
    assert roster.splitlines()[1].startswith("bo,console,speaker,confirmed")

    exported = subprocess.run(
        [sys.executable, "-m", "bot.cli", "export", "--db", str(tmp_path / "campaign.db")],
        capture_output=True, text=True, check=True, cwd=tmp_path, env=child_env(),
    )
    data = json.loads(exported.stdout)
    typo = subprocess.run([sys.executable, "-m", "bot.cli", "export", "--db", str(tmp_path / "campain.db")],
                          capture_output=True, text=True, cwd=tmp_path, env=child_env())
    assert typo.returncode == 2 and "there is no database at" in typo.stderr and typo.stdout == ""
    assert not (tmp_path / "campain.db").exists()
    council, canvass = data["events"][1], data["events"][0]
    assert council["title"] == "Council meeting"
    assert council["starts_at"] == f"{AHEAD}-12-01T19:00:00-05:00"
    assert council["roles"] == [{"name": "speaker", "spots": 2}, {"name": "attendee", "spots": None}]
    assert [(s["person"], s["status"], s["position"]) for s in council["signups"]] == [
        ("ann", "cancelled", None), ("bo", "confirmed", None), ("cy", "confirmed", None),
    ]
    assert [(s["person"], s["checked_in"]) for s in canvass["signups"] if s["status"] == "confirmed"] == [
        ("ann", True)
    ]
    assert data["petitions"] == [{"name": "resolution", "count": 776, "online": 736, "paper": 40, "goal": 1000}]

    listed = subprocess.run(
        [sys.executable, "-m", "bot.cli", "deliveries", "--json", "--db", str(tmp_path / "campaign.db")],
        capture_output=True, text=True, check=True, cwd=tmp_path, env=child_env(),
    )
    rows = json.loads(listed.stdout)
    sent = {(r["kind"], r["target"]) for r in rows if r["state"] == "sent"}
    assert ("promoted", "dm:cy") in sent and ("announcement", "channel:general") in sent
    assert {r["state"] for r in rows} <= {"sent", "pending", "cancelled"}  # far-off reminders wait, or were withdrawn


def test_a_bad_config_file_is_named_without_a_traceback(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[campaign]\ntimezone = "Mars/Olympus"\n')
    result = run_console(tmp_path, "help\n", "--config", str(config))
    assert result.returncode == 2
    assert "Mars/Olympus" in result.stderr and "Traceback" not in result.stderr


def test_a_turnout_toml_in_the_folder_is_read_without_flags(tmp_path: Path) -> None:
    (tmp_path / "turnout.toml").write_text('[campaign]\nname = "Durham Coalition"\ntimezone = "America/Chicago"\n')
    result = run_console(tmp_path, f'help\nevent add Rally when:"{AHEAD}-12-01 19:00"\n')
    assert "Durham Coalition: what I can do" in result.stdout
    assert "7:00 PM–9:00 PM CST" in result.stdout


async def test_a_button_in_a_dm_can_be_pressed_by_its_number(bot: Bot) -> None:
    out = io.StringIO()
    chat = ConsoleChat(dispatcher=bot.core.dispatcher, config=bot.core.config, clock=bot.clock, out=out,
                       after_command=bot.runner.tick)
    bot.postman.add_transport(chat.transport)
    for line in ('event add Canvass when:"Dec 7 7pm" spots:1', "ann: signup 1", "bo: signup 1"):
        await chat.handle_line(line)
    bot.clock.set(datetime(2026, 12, 7, 12, 0, tzinfo=UTC))  # within a day: a freed spot is offered
    await chat.handle_line("ann: cancel 1")
    assert "[DM bo] A spot opened up as volunteer for Canvass (#1)." in out.getvalue()
    assert "[1] Claim my spot  [2] No thanks" in out.getvalue()
    await chat.handle_line("1")  # the DM's choices are bo's alone
    assert "I don't know the command `1`" in out.getvalue().rstrip().splitlines()[-1]
    await chat.handle_line("bo: 1")
    assert out.getvalue().rstrip().splitlines()[-1].startswith("It's yours!")


def test_quit_ends_the_console_and_what_follows_is_not_run(tmp_path: Path) -> None:
    result = run_console(tmp_path, "events\nquit\nolivia: event add Never when:mon 7pm\n")
    assert result.returncode == 0, result.stderr
    assert "No upcoming events yet" in result.stdout and "Added event" not in result.stdout
    assert "don't know the command" not in result.stdout
