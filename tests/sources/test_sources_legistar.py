"""Legistar: the OData query, paging past 1,000 rows, date + time in the body's zone, and errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sources_fakes import LegistarFake, legistar_events

from tasks.sources import SourceError, fetch_legistar
from tasks.sources.legistar import event_to_meeting, parse_event_time
from tests.conftest import Serve

EASTERN = ZoneInfo("America/New_York")
BOARD = "Board of Commissioners"


async def _fake(serve: Serve, events: list[dict]) -> tuple[LegistarFake, str]:
    fake = LegistarFake(events)
    base = await serve(fake.app())
    return fake, f"{base}/v1"


async def test_pages_past_a_thousand_rows(serve: Serve, session: aiohttp.ClientSession) -> None:
    events = legistar_events(2500, body=BOARD, first=date(2024, 1, 1))
    fake, base = await _fake(serve, events)
    meetings = await fetch_legistar("durhamcounty", body=None, session=session, since=date(2024, 1, 1), tz=EASTERN,
                                    base_url=base)
    assert len(meetings) == 2500
    assert [m.source_id for m in meetings] == [str(e["EventId"]) for e in events]
    skips = [request.query["$skip"] for request in fake.recorder.requests]
    assert skips == ["0", "1000", "2000"]
    first = fake.recorder.requests[0]
    assert first.query["$filter"] == "EventDate ge datetime'2024-01-01'"
    assert first.query["$orderby"] == "EventDate asc"
    assert first.query["$top"] == "1000"
    assert first.headers["Accept"] == "application/json"


async def test_exactly_a_thousand_rows_asks_once_more(serve: Serve, session: aiohttp.ClientSession) -> None:
    fake, base = await _fake(serve, legistar_events(1000, body=BOARD, first=date(2024, 1, 1)))
    meetings = await fetch_legistar("durhamcounty", body=None, session=session, since=date(2024, 1, 1), tz=EASTERN,
                                    base_url=base)
    assert len(meetings) == 1000 and len(fake.recorder.requests) == 2


async def test_since_and_body_filter_with_a_quote(serve: Serve, session: aiohttp.ClientSession) -> None:
    body = "O'Brien Commission"
    events = legistar_events(30, body=BOARD, first=date(2026, 3, 1)) + legistar_events(
        30, body=body, first=date(2026, 3, 1), first_id=5000
    )
    fake, base = await _fake(serve, events)
    meetings = await fetch_legistar("durhamcounty", body=body, session=session, since=date(2026, 3, 20), tz=EASTERN,
                                    base_url=base)
    assert fake.recorder.requests[0].query["$filter"] == (
        "EventDate ge datetime'2026-03-20' and EventBodyName eq 'O''Brien Commission'"
    )
    assert len(meetings) == 11 and {m.title for m in meetings} == {body}
    assert all(m.source == "legistar:durhamcounty" for m in meetings)


async def test_times_across_the_dst_change(serve: Serve, session: aiohttp.ClientSession) -> None:
    """7:00 PM on Mar 2 is 00:00Z the next day; on Mar 9, after the change, 23:00Z."""
    events = legistar_events(14, body=BOARD, first=date(2026, 3, 1))
    _, base = await _fake(serve, events)
    meetings = await fetch_legistar("durhamcounty", body=BOARD, session=session, since=date(2026, 3, 1), tz=EASTERN,
                                    base_url=base)
    by_day = {m.start.astimezone(EASTERN).date(): m for m in meetings}
    assert by_day[date(2026, 3, 2)].start == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
    assert by_day[date(2026, 3, 9)].start == datetime(2026, 3, 9, 23, 0, tzinfo=UTC)
    timed = [m for m in meetings if not m.all_day]
    assert all(m.start.astimezone(EASTERN).hour == 19 for m in timed)
    assert all(m.end - m.start == timedelta(hours=2) for m in timed)


async def test_no_time_means_all_day(serve: Serve, session: aiohttp.ClientSession) -> None:
    _, base = await _fake(serve, legistar_events(7, body=BOARD, first=date(2026, 3, 5)))
    meetings = await fetch_legistar("durhamcounty", body=None, session=session, since=date(2026, 3, 1), tz=EASTERN,
                                    base_url=base)
    [untimed] = [m for m in meetings if m.all_day]  # the 4th row (Mar 8) has EventTime null
    assert untimed.start == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)  # midnight EST
    assert untimed.end == datetime(2026, 3, 9, 4, 0, tzinfo=UTC)  # midnight EDT: a 23-hour day


async def test_cancellation_and_links(serve: Serve, session: aiohttp.ClientSession) -> None:
    events = legistar_events(10, body=BOARD, first=date(2026, 3, 1))
    _, base = await _fake(serve, events)
    meetings = await fetch_legistar("durhamcounty", body=None, session=session, since=date(2026, 3, 1), tz=EASTERN,
                                    base_url=base)
    cancelled = [m for m in meetings if m.cancelled]
    assert [m.source_id for m in cancelled] == ["10"]
    assert cancelled[0].description == "Meeting cancelled due to weather"
    assert meetings[0].links == (
        ("Agenda", "https://legistar1.granicus.com/durhamcounty/meetings/1_A.pdf"),
        ("Details", "https://durhamcounty.legistar.com/MeetingDetail.aspx?LEGID=1"),
    )  # EventMinutesFile is null
    assert meetings[0].location == "Commissioners' Chambers, 200 E. Main Street"


async def test_unknown_client(serve: Serve, session: aiohttp.ClientSession) -> None:
    _, base = await _fake(serve, [])
    with pytest.raises(SourceError, match="Legistar has no client called `durhamcountee`"):
        await fetch_legistar("durhamcountee", body=None, session=session, since=date(2026, 1, 1), tz=EASTERN,
                             base_url=base)


async def test_bad_filter(serve: Serve, session: aiohttp.ClientSession) -> None:
    """A 400 with a JSON ``Message`` (what Legistar sends for a filter it cannot read) is shown, short."""
    fake = LegistarFake([], reject_all_filters=True)
    base = await serve(fake.app())
    with pytest.raises(SourceError) as caught:
        await fetch_legistar("durhamcounty", body=BOARD, session=session, since=date(2026, 1, 1), tz=EASTERN,
                             base_url=f"{base}/v1")
    assert caught.value.message.startswith("Legistar rejected the query: The query specified in the URI is not valid.")
    assert len(caught.value.message) < 260


async def test_server_error(serve: Serve, session: aiohttp.ClientSession) -> None:
    fake = LegistarFake([], fail_with=503)
    base = await serve(fake.app())
    with pytest.raises(SourceError, match="Legistar answered HTTP 503"):
        await fetch_legistar("durhamcounty", body=None, session=session, since=date(2026, 1, 1), tz=EASTERN,
                             base_url=f"{base}/v1")


async def test_a_server_that_ignores_skip_does_not_loop(serve: Serve, session: aiohttp.ClientSession) -> None:
    fake = LegistarFake(legistar_events(1000, body=BOARD, first=date(2024, 1, 1)), ignore_skip=True)
    base = await serve(fake.app())
    meetings = await fetch_legistar("durhamcounty", body=None, session=session, since=date(2024, 1, 1), tz=EASTERN,
                                    base_url=f"{base}/v1")
    assert len(meetings) == 1000 and len(fake.recorder.requests) == 2


@pytest.mark.parametrize("client", ["", "durham county", "../admin", "a/b", "x" * 80])
async def test_client_names_are_checked_before_any_request(client: str, session: aiohttp.ClientSession) -> None:
    with pytest.raises(SourceError, match="one word"):
        await fetch_legistar(client, body=None, session=session, since=date(2026, 1, 1), tz=EASTERN)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7:00 PM", time(19, 0)), ("9:30 AM", time(9, 30)), ("12:00 PM", time(12, 0)), ("12:15 AM", time(0, 15)),
        ("7 PM", time(19, 0)), ("7:00PM", time(19, 0)), ("6:30 p.m.", time(18, 30)), ("18:30", time(18, 30)),
        (None, None), ("", None), ("TBD", None), ("13:00 PM", None), ("25:00", None),
    ],
)
def test_parse_event_time(text: str | None, expected: time | None) -> None:
    assert parse_event_time(text) == expected


def test_rows_without_a_date_are_refused() -> None:
    with pytest.raises(SourceError, match="without an id or a date"):
        event_to_meeting({"EventId": 1, "EventDate": None}, client="c", tz=EASTERN)
