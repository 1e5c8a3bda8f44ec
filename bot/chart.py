"""The petition growth chart: a PNG of the count over time with the goal and milestones marked.

matplotlib is imported here only, when a chart is asked for, with the headless Agg backend, so the
bot starts fast and runs on servers with no display.
"""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain import Petition


def render_chart(petition: Petition, history: list[tuple[datetime, int]], milestones: list[int],
                 tz: ZoneInfo, now: datetime) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import dates as mdates
    from matplotlib import pyplot as plt

    points = history + [(now, petition.total)] if not history or history[-1][1] != petition.total else history
    times = [at.astimezone(tz).replace(tzinfo=None) for at, _ in points]
    counts = [total for _, total in points]
    figure, axes = plt.subplots(figsize=(8, 4.5), dpi=100)
    try:
        axes.step(times, counts, where="post", color="#1d4e89", linewidth=2.2, label="Signatures")
        axes.fill_between(times, counts, step="post", color="#1d4e89", alpha=0.12)
        top = max(max(counts), petition.goal)
        axes.axhline(petition.goal, color="#c0392b", linestyle="--", linewidth=1.5,
                     label=f"Goal: {petition.goal:,}")
        for milestone in milestones:
            if milestone < petition.goal and milestone <= top:
                axes.axhline(milestone, color="#7f8c8d", linestyle=":", linewidth=0.9)
                axes.annotate(f"{milestone:,}", xy=(times[0], milestone), xytext=(2, 2),
                              textcoords="offset points", fontsize=8, color="#7f8c8d")
        axes.set_ylim(0, top * 1.1)
        axes.set_title(f"{petition.name}: {petition.total:,} of {petition.goal:,} signatures")
        axes.set_ylabel("Signatures")
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%b %d"))
        axes.grid(axis="y", alpha=0.3)
        axes.legend(loc="upper left")
        figure.autofmt_xdate()
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
