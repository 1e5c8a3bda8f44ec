"""Petition counts: the source string, each kind of source, and keeping the API key secret."""

from __future__ import annotations

import csv
import io

import aiohttp
import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st
from sources_fakes import (
    API_KEY,
    FORM_CSV_SIGNATURES,
    PETITION_UUID,
    Recorder,
    action_network_app,
    counts_app,
    sheets_content_app,
    sheets_redirect_app,
)

from tasks.sources import PetitionSpec, SourceError, fetch_count, parse_spec
from tasks.sources.petitions import count_from_csv, count_from_json, parse_path
from tests.conftest import Serve

# -- the source string ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("manual", PetitionSpec("manual")),
        ("  Manual ", PetitionSpec("manual")),
        (f"actionnetwork:{PETITION_UUID}", PetitionSpec("actionnetwork", PETITION_UUID)),
        (f"actionnetwork:{PETITION_UUID.upper()}", PetitionSpec("actionnetwork", PETITION_UUID)),
        (f"actionnetwork:action_network:{PETITION_UUID}", PetitionSpec("actionnetwork", PETITION_UUID)),
        ("json:https://example.org/c.json", PetitionSpec("json", "https://example.org/c.json")),
        (
            "json:https://example.org/c.json#data.attributes.signature_count",
            PetitionSpec("json", "https://example.org/c.json", ("data", "attributes", "signature_count")),
        ),
        (
            "json:https://example.org/c.json#items[0].n",
            PetitionSpec("json", "https://example.org/c.json", ("items", 0, "n")),
        ),
        (
            "csv:https://docs.google.com/spreadsheets/d/KEY/export?format=csv&gid=0",
            PetitionSpec("csv", "https://docs.google.com/spreadsheets/d/KEY/export?format=csv&gid=0"),
        ),
    ],
)
def test_parse_spec(text: str, expected: PetitionSpec) -> None:
    assert parse_spec(text) == expected


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("", "not a petition source"),
        ("736", "not a petition source"),
        ("actionnetwork:", "not a petition source"),
        ("actionnetwork:durham-resolution", "petition's id"),
        ("json:example.org/count.json", "https://"),
        ("json:https://example.org/c.json#", "path after `#` is empty"),
        ("json:https://example.org/c.json#data..count", "not a JSON path"),
        ("json:https://example.org/c.json#items[x]", "not a JSON path"),
        ("csv:ftp://example.org/x.csv", "https://"),
        ("changeorg:12345", "not a kind of petition source"),
        ("manual:42", "takes nothing after it"),
    ],
)
def test_parse_spec_rejects(text: str, complaint: str) -> None:
    with pytest.raises(SourceError) as caught:
        parse_spec(text)
    assert complaint in caught.value.message


def test_spec_round_trips_through_str() -> None:
    for text in ("manual", f"actionnetwork:{PETITION_UUID}", "json:https://e.org/c.json#data.items.0.n", "csv:https://e.org/x"):
        assert str(parse_spec(text)) == text
        assert parse_spec(str(parse_spec(text))) == parse_spec(text)


def test_parse_path_forms() -> None:
    assert parse_path("a.b[2][-1].c") == ("a", "b", 2, -1, "c")
    assert parse_path("[0].count") == (0, "count")
    assert parse_path("items.0.count") == ("items", 0, "count")


# -- counts from documents (pure) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "path", "count"),
    [
        ({"signature_count": 1042}, None, 1042),
        ({"total_signatures": 736, "count": 1}, None, 736),
        ({"data": {"total_signature_count": 77, "displayed_signature_count": 70}}, None, 77),
        ({"data": {"attributes": {"displayed_signature_count": 12}}}, None, 12),
        ({"count": 3.0}, None, 3),
        ({"signature_count": None, "count": 9}, None, 9),
        ({"data": {"stats": [{"n": 5}, {"n": "1,234"}]}}, ("data", "stats", 1, "n"), 1234),
        ([{"n": 4}], (0, "n"), 4),
        ({"by": {"0": 8}}, ("by", 0), 8),
    ],
)
def test_count_from_json(document: object, path: tuple[str | int, ...] | None, count: int) -> None:
    assert count_from_json(document, path) == count


@pytest.mark.parametrize(
    ("document", "path", "complaint"),
    [
        ({"title": "x"}, None, "no count under a usual name"),
        ({"count": -3}, None, "negative"),
        ({"count": True}, None, "not a number"),
        ({"count": "lots"}, None, "not a number"),
        ({"count": 2.5}, None, "not a number"),
        ({"count": "1,23"}, None, "not a number"),  # thousands come in threes
        ({"count": ",,,"}, None, "not a number"),
        ({"count": "1,234,"}, None, "not a number"),
        ({"a": [1]}, ("a", 3), "nothing at `a.3`"),
        ({"a": 1}, ("a", "b"), "nothing at `a.b`"),
    ],
)
def test_count_from_json_rejects(document: object, path: tuple[str | int, ...] | None, complaint: str) -> None:
    with pytest.raises(SourceError, match=complaint):
        count_from_json(document, path)


_cells = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


@given(
    header=st.lists(_cells, min_size=1, max_size=4),
    rows=st.lists(st.lists(_cells, min_size=1, max_size=4), max_size=20),
)
def test_csv_count_is_the_number_of_non_blank_rows_written(header: list[str], rows: list[list[str]]) -> None:
    """Whatever the answers hold (commas, quotes, newlines), the count is the number of signatures."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["Timestamp", *header])
    writer.writerows([["2026-09-01 10:00:00", *row] for row in rows])
    writer.writerow([])
    assert count_from_csv(("\ufeff" + buffer.getvalue()).encode()) == len(rows)


def test_csv_with_only_a_header_or_nothing() -> None:
    assert count_from_csv(b"\xef\xbb\xbfTimestamp,Name\r\n") == 0
    assert count_from_csv(b"") == 0


def test_csv_that_is_a_sign_in_page() -> None:
    with pytest.raises(SourceError, match="anyone with the link"):
        count_from_csv(b"<!DOCTYPE html><html></html>", content_type="text/plain")


# -- Action Network ------------------------------------------------------------------------------


async def _action_network(serve: Serve, recorder: Recorder, **kwargs: str) -> str:
    return await serve(action_network_app(recorder, **kwargs)) + "/api/v2"


async def test_action_network_count(serve: Serve, recorder: Recorder, session: aiohttp.ClientSession) -> None:
    base = await _action_network(serve, recorder)
    spec = f"actionnetwork:{PETITION_UUID}"
    count = await fetch_count(spec, session=session, api_key=API_KEY, timeout=5, base_url=base)
    assert count == 736
    assert recorder.headers("OSDI-API-Token") == [API_KEY]
    assert recorder.headers("Accept") == ["application/hal+json"]


async def test_action_network_refuses_the_key_without_leaking_it(
    serve: Serve, recorder: Recorder, session: aiohttp.ClientSession
) -> None:
    base = await _action_network(serve, recorder)
    wrong = "wrong-key-that-the-service-echoes-back"
    with pytest.raises(SourceError) as caught:
        await fetch_count(f"actionnetwork:{PETITION_UUID}", session=session, api_key=wrong, timeout=5, base_url=base)
    assert caught.value.message.startswith("Action Network refused the API key")
    assert "API Key invalid or not present" in caught.value.message
    assert wrong not in caught.value.message
    assert wrong not in str(caught.value)
    assert recorder.headers("OSDI-API-Token") == [wrong]  # the fake really did echo it


async def test_action_network_error_echo_is_redacted(
    serve: Serve, recorder: Recorder, session: aiohttp.ClientSession
) -> None:
    """Even a message built from an unexpected body never carries the key."""
    base = await _action_network(serve, recorder)
    with pytest.raises(SourceError) as caught:
        await fetch_count(
            "actionnetwork:00000000-0000-0000-0000-000000000500", session=session, api_key=API_KEY, timeout=5,
            base_url=base,
        )
    assert caught.value.message == "Action Network answered HTTP 500."


async def test_action_network_unknown_petition(
    serve: Serve, recorder: Recorder, session: aiohttp.ClientSession
) -> None:
    base = await _action_network(serve, recorder)
    other = "11111111-2222-3333-4444-555555555555"
    with pytest.raises(SourceError, match=f"no petition `{other}`"):
        await fetch_count(f"actionnetwork:{other}", session=session, api_key=API_KEY, timeout=5, base_url=base)


async def test_action_network_needs_a_key(session: aiohttp.ClientSession) -> None:
    with pytest.raises(SourceError, match="No Action Network API key"):
        await fetch_count(f"actionnetwork:{PETITION_UUID}", session=session, api_key=None, timeout=5)


async def test_action_network_key_never_follows_a_redirect(
    serve: Serve, recorder: Recorder, session: aiohttp.ClientSession
) -> None:
    """aiohttp would carry a custom header to any host a redirect names; we do not follow."""
    elsewhere = Recorder()

    async def catch(request: web.Request) -> web.Response:
        elsewhere.requests.append(request)
        return web.json_response({"total_signatures": 1})

    thief = web.Application()
    thief.router.add_get("/{tail:.*}", catch)
    thief_base = await serve(thief)
    base = await _action_network(serve, recorder, redirect_to=f"{thief_base}/steal")
    with pytest.raises(SourceError, match="HTTP 302"):
        await fetch_count(
            "actionnetwork:00000000-0000-0000-0000-000000000302", session=session, api_key=API_KEY, timeout=5,
            base_url=base,
        )
    assert elsewhere.requests == []


# -- JSON ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "count"),
    [
        ("/petitions/700123/count.json", 1042),
        ("/change.json", 77),
        ("/attributes.json", 12),
        ("/nested.json#data.attributes.stats[1].n", 1234),
        ("/nested.json#data.attributes.stats.0.n", 5),
    ],
)
async def test_json_count(
    path: str, count: int, serve: Serve, recorder: Recorder, session: aiohttp.ClientSession
) -> None:
    base = await serve(counts_app(recorder))
    assert await fetch_count(f"json:{base}{path}", session=session, api_key=API_KEY, timeout=5) == count
    assert recorder.headers("OSDI-API-Token") == [None]  # the key goes to Action Network only


@pytest.mark.parametrize(
    ("path", "complaint"),
    [
        ("/negative.json", "negative"),
        ("/boolean.json", "not a number"),
        ("/nothing.json", "no count under a usual name"),
        ("/nested.json#data.missing", "nothing at `data.missing`"),
        ("/html", "did not send JSON"),
        ("/gone.json", "answered HTTP 404"),
    ],
)
async def test_json_count_problems(
    path: str, complaint: str, serve: Serve, recorder: Recorder, session: aiohttp.ClientSession
) -> None:
    base = await serve(counts_app(recorder))
    with pytest.raises(SourceError, match=complaint):
        await fetch_count(f"json:{base}{path}", session=session, api_key=None, timeout=5)


async def test_json_timeout(serve: Serve, recorder: Recorder, session: aiohttp.ClientSession) -> None:
    base = await serve(counts_app(recorder))
    with pytest.raises(SourceError, match="did not answer within 0.2 seconds"):
        await fetch_count(f"json:{base}/slow.json", session=session, api_key=None, timeout=0.2)


# -- Google Form CSV -----------------------------------------------------------------------------


async def test_csv_export_behind_a_redirect(serve: Serve, recorder: Recorder, session: aiohttp.ClientSession) -> None:
    content = Recorder()
    content_base = await serve(sheets_content_app(content))
    docs_base = await serve(sheets_redirect_app(recorder, content_base=content_base))
    spec = f"csv:{docs_base}/spreadsheets/d/1AbCdEf/export?format=csv&gid=123"
    assert await fetch_count(spec, session=session, api_key=API_KEY, timeout=5) == FORM_CSV_SIGNATURES
    assert len(recorder.requests) == 1 and len(content.requests) == 1
    assert content.requests[0].query["gid"] == "123"


async def test_private_sheet(serve: Serve, recorder: Recorder, session: aiohttp.ClientSession) -> None:
    content_base = await serve(sheets_content_app(recorder))
    docs_base = await serve(sheets_redirect_app(recorder, content_base=content_base))
    with pytest.raises(SourceError, match="web page, not CSV"):
        spec = f"csv:{docs_base}/spreadsheets/d/private/export?format=csv"
        await fetch_count(spec, session=session, api_key=None, timeout=5)


async def test_manual_has_nothing_to_fetch(session: aiohttp.ClientSession) -> None:
    with pytest.raises(SourceError, match="typed by organizers"):
        await fetch_count("manual", session=session, api_key=None, timeout=5)
