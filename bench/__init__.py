"""Turnout's benchmarks (issue #7): `python -m bench` prints one table of figures measured on this machine.

Each benchmark is a module with ``NAME`` and ``run(options) -> list[Figure]``; every figure that has a
reference (a plain sqlite3 loop, the rate limit, an idle run) measures that reference in the same run.
No timing assertion lives in the test suite: this package is the only place figures are judged.
"""
