"""The benchmarks still run and still measure the right thing: correctness only, never timing.

Quick sizes (500 sign-ups, 200 DMs); the figures themselves belong to ``make bench``.
"""

from bench import burst, fanout
from bench.report import Options


def test_the_burst_benchmark_confirms_exactly_the_first_arrivals_and_group_commits() -> None:
    result = burst.run(Options(quick=True))
    bot = result.details["bot"]
    assert bot["unanswered"] == 0 and bot["errors"] == 0
    assert bot["statuses"] == {"confirmed": burst.SPOTS, "waitlisted": 500 - burst.SPOTS}
    assert bot["confirmed_among_first_clicks"] == burst.SPOTS == bot["youre_in_replies"]
    assert bot["commits"] < 100  # a thousand units (people and sign-ups), a few commits


def test_the_fanout_benchmark_sends_every_dm_once() -> None:
    result = fanout.run(Options(quick=True))
    details = result.details
    assert details["sends"] == details["distinct_keys"] == details["sent"] == 200  # the platform saw each once
    assert details["states_after"] == {"sent": 200}
    assert details["command_errors"] == 0
