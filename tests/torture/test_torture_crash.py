"""Torture (issue #7), crash: a console process fed thousands of sign-ups is SIGKILLed at random
points and restarted on the same file, five times.

The console prints a reply only after the command's transaction has committed (``ConsoleChat``
writes and flushes each line after ``dispatch`` returns, and every handler commits inside
``dispatch``), so the invariant is "printed implies committed": every sign-up whose ``You're in!``
or waitlist line was printed is in the database, whatever happened after. Also: the file passes
``PRAGMA integrity_check`` after every crash, and no role is ever overbooked.
"""

from __future__ import annotations

import random
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import AHEAD
from tests.torture.torture_helpers import ConsoleProcess, seed

EVENTS = (
    f'event add Canvass when:"{AHEAD}-12-01 19:00" spots:3',
    f'event add Council meeting when:"{AHEAD}-12-02 19:00" roles:"speaker=2,attendee=4"',
    f'event add Tabling when:"{AHEAD}-12-03 10:00" spots:5',
    f'event add Phone bank when:"{AHEAD}-12-04 18:00" spots:1',
)
ROLES = {2: ("speaker", "attendee")}
PEOPLE = 150
COMMANDS = 1500
ROUNDS = 5
_COMMAND = re.compile(r"^(p\d+): (signup|cancel) (\d+)")


def script(rng: random.Random) -> list[str]:
    lines = list(EVENTS)
    for _ in range(COMMANDS):
        person = f"p{rng.randrange(PEOPLE)}"
        event = rng.randint(1, len(EVENTS))
        if rng.random() < 0.2:
            lines.append(f"{person}: cancel {event}")
        elif event in ROLES:
            lines.append(f"{person}: signup {event} {rng.choice(ROLES[event])}")
        else:
            lines.append(f"{person}: signup {event}")
    return lines


def outcome(reply: str) -> str | None:
    """What a reply line says about the sign-up of the command it answers."""
    if reply.startswith("You're in!"):
        return "confirmed"
    if "so you're number" in reply and "on the waitlist" in reply:
        return "waitlisted"
    if reply.startswith("You're already"):
        return "live"
    if reply.startswith("Cancelled your"):
        return "cancelled"
    if reply.startswith("Not found: You're not signed up"):
        return "none"
    return None


@dataclass
class Transcript:
    """Which script line each printed reply answers, across every life of the process."""

    lines: list[str]
    #: (person, event) -> [(script index, outcome or None while unanswered)]
    history: dict[tuple[str, int], list[tuple[int, str | None]]]
    #: Script lines whose sign-up confirmation (in or waitlisted) was printed.
    printed_signups: list[tuple[int, str, int]]

    def consume(self, start: int, output: list[str]) -> int:
        """Read one life's output; returns the index of the last script line it started."""
        index = start - 1
        pair: tuple[str, int] | None = None
        for raw in output:
            line = raw.rstrip("\n")
            if line.startswith("> "):
                index += 1
                assert line[2:] == self.lines[index].strip(), (index, line, self.lines[index])
                m = _COMMAND.match(self.lines[index])
                pair = (m.group(1), int(m.group(3))) if m else None
                if pair is not None:
                    self.history.setdefault(pair, []).append((index, None))
                continue
            said = outcome(line)
            if pair is None or said is None:
                continue
            self.history[pair][-1] = (index, said)
            if said in ("confirmed", "waitlisted", "live"):
                self.printed_signups.append((index, *pair))
        return index


def check_database(db: Path, transcript: Transcript, context: str) -> None:
    with closing(sqlite3.connect(db)) as conn:
        [(integrity,)] = conn.execute("PRAGMA integrity_check").fetchall()
        assert integrity == "ok", f"{context}: integrity_check says {integrity}"
        rows = conn.execute(
            "SELECT p.user_id, s.event_id, s.status FROM signups s JOIN people p ON p.id = s.person_id"
        ).fetchall()
        roles = conn.execute(
            "SELECT r.event_id, r.name, r.spots, "
            "COALESCE(SUM(s.status IN ('confirmed', 'offered')), 0), COALESCE(SUM(s.status = 'waitlisted'), 0) "
            "FROM roles r LEFT JOIN signups s ON s.role_id = r.id GROUP BY r.id"
        ).fetchall()
        # The counts the triggers keep (what every sign-up decides on) match the rows, crash or not.
        drift = conn.execute(
            "SELECT r.id FROM roles r WHERE r.confirmed + r.offered != (SELECT COUNT(*) FROM signups s "
            "WHERE s.role_id = r.id AND s.status IN ('confirmed', 'offered')) OR r.waitlisted != "
            "(SELECT COUNT(*) FROM signups s WHERE s.role_id = r.id AND s.status = 'waitlisted')"
        ).fetchall()
        assert not drift, f"{context}: role counts drifted from the sign-ups for roles {drift}"
    status = {(user, event): state for user, event, state in rows}
    for index, person, event in transcript.printed_signups:
        assert (person, event) in status, (
            f"{context}: line {index} `{transcript.lines[index]}` was confirmed on screen but has no signups row")
    for pair, steps in transcript.history.items():
        index, said = steps[-1]
        if said is None:
            continue  # the last command about this pair was cut off before its reply: either way is fine
        got = status.get(pair)
        expected = {
            "confirmed": {"confirmed"}, "waitlisted": {"waitlisted", "confirmed"},
            "live": {"waitlisted", "confirmed"}, "cancelled": {"cancelled"}, "none": {None, "cancelled"},
        }[said]
        assert got in expected, (
            f"{context}: after line {index} `{transcript.lines[index]}` printed {said!r}, the database says {got!r}")
    for event, role, spots, taken, waiting in roles:
        if spots is None:
            continue
        assert taken <= spots, f"{context}: event {event} role {role} has {taken} taken of {spots} spots"
        assert not waiting or taken == spots, (
            f"{context}: event {event} role {role} has {waiting} waiting while {taken} of {spots} spots are taken")


def test_sigkill_at_random_points_loses_nothing_that_was_printed(tmp_path: Path) -> None:
    rng = random.Random(seed())
    lines = script(rng)
    db = tmp_path / "crash.db"
    transcript = Transcript(lines, {}, [])
    start = 0
    kills = 0
    # Where each life dies: spread over the whole script, at least a few lines apart.
    targets = sorted(rng.sample(range(1, len(lines) - 10, 7), ROUNDS))
    for round_no in range(ROUNDS + 1):
        last = round_no == ROUNDS
        context = f"seed {seed()}, round {round_no}, from line {start}"
        console = ConsoleProcess(db, tmp_path, lines[start:], close_stdin=last)
        output: list[str] = []
        try:
            # Die just after the echo of the target line, or up to three printed lines later
            # (before, during or after its reply and the postman's messages).
            echoes, extra = 0, rng.randint(0, 3)
            while not last and (echoes < targets[round_no] - start + 1 or extra > 0):
                line = console.next_line()
                assert line is not None, f"{context}: the console ended early"
                output.append(line)
                if echoes >= targets[round_no] - start + 1:
                    extra -= 1
                echoes += line.startswith("> ")
            if not last:
                console.kill()
            output += console.drain(timeout=60)
        finally:
            code = console.close()
        if last:
            assert code == 0, f"{context}: the console exited with {code}"
        else:
            kills += 1
        index = transcript.consume(start, output)
        assert "Traceback" not in "".join(output), context
        check_database(db, transcript, context)
        # Resume at the line that was being handled when the process died (running it twice is
        # harmless: a second sign-up says "already", a second cancel "not signed up").
        start = max(index, start)
    assert kills == ROUNDS
    assert index == len(lines) - 1, f"seed {seed()}: the last life stopped at line {index} of {len(lines)}"
    assert len(transcript.printed_signups) > COMMANDS // 2, f"seed {seed()}: too few sign-ups went through"
