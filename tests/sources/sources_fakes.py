"""Fake Action Network, JSON, Google Sheets, iCalendar and Legistar servers for the source tests.

Each speaks exactly the format in shared/docs/data-sources.md and records what it was asked, so a
test can check the request (headers, query) as well as the parsing. Handlers that must hang wait on
``release`` (set when the server stops) instead of sleeping. (Named ``sources_fakes`` rather than
``fakes`` so it cannot collide with another test folder's helper module on ``sys.path``.)
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from aiohttp import web

API_KEY = "an-secret-key-4f1c9e"
PETITION_UUID = "7580a324-9a72-11e3-a2e9-12313d316c29"
HAL = "application/hal+json"

#: The ``serve`` fixture: start an app on 127.0.0.1, port 0, and get its base URL.


@dataclass
class Recorder:
    """What a fake server saw, and the event that lets hanging handlers finish."""

    requests: list[web.Request] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def headers(self, name: str) -> list[str | None]:
        return [request.headers.get(name) for request in self.requests]


def action_network_app(recorder: Recorder, *, redirect_to: str | None = None) -> web.Application:
    """``GET /api/v2/petitions/{uuid}`` behind ``OSDI-API-Token``; a 401 body echoes the key it got."""

    async def petition(request: web.Request) -> web.Response:
        recorder.requests.append(request)
        token = request.headers.get("OSDI-API-Token")
        if token != API_KEY:
            body = {"error": "API Key invalid or not present", "request": {"OSDI-API-Token": token}}
            return web.json_response(body, status=401, content_type=HAL)
        uuid = request.match_info["uuid"]
        if uuid == "00000000-0000-0000-0000-000000000302" and redirect_to:
            raise web.HTTPFound(redirect_to)
        if uuid == "00000000-0000-0000-0000-000000000500":
            return web.json_response({"error": f"internal error for key {token}"}, status=500, content_type=HAL)
        if uuid != PETITION_UUID:
            return web.json_response({"error": "Not found"}, status=404, content_type=HAL)
        return web.json_response(
            {
                "identifiers": [f"action_network:{PETITION_UUID}"],
                "origin_system": "Action Network",
                "title": "Durham City Council: pass the resolution",
                "total_signatures": 736,
                "target": [{"name": "Durham City Council"}],
                "_links": {"self": {"href": f"https://actionnetwork.org/api/v2/petitions/{PETITION_UUID}"}},
            },
            content_type=HAL,
        )

    app = web.Application()
    app.router.add_get("/api/v2/petitions/{uuid}", petition)
    return app


def counts_app(recorder: Recorder) -> web.Application:
    """Assorted JSON count documents, plus a slow, a huge and a non-JSON response."""
    documents: dict[str, Any] = {
        "/petitions/700123/count.json": {"signature_count": 1042},
        "/change.json": {"data": {"total_signature_count": 77, "displayed_signature_count": 70}},
        "/attributes.json": {"data": {"attributes": {"displayed_signature_count": 12}}},
        "/nested.json": {"data": {"attributes": {"stats": [{"n": 5}, {"n": "1,234"}]}}},
        "/negative.json": {"count": -3},
        "/boolean.json": {"count": True},
        "/nothing.json": {"title": "no count here"},
    }

    async def handle(request: web.Request) -> web.StreamResponse:
        recorder.requests.append(request)
        if request.path == "/slow.json":
            await recorder.release.wait()
            return web.json_response({"count": 1})
        if request.path == "/huge.json":
            return web.Response(body=b"[" + b"1," * 600_000 + b"1]", content_type="application/json")
        if request.path == "/streamed.json":
            response = web.StreamResponse()  # no Content-Length: only the running total can stop it
            response.content_type = "application/json"
            await response.prepare(request)
            for _ in range(40):
                await response.write(b" " * 32_768)
            await response.write_eof()
            return response
        if request.path == "/html":
            return web.Response(text="<html>not json</html>", content_type="text/html")
        if request.path in documents:
            return web.json_response(documents[request.path])
        return web.json_response({"error": "no such petition"}, status=404)

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    return app


# A Google Form response export: BOM, CRLF, an answer with quoted newlines, a blank row.
FORM_CSV = (
    "\ufeffTimestamp,Name,Email,Why are you signing?\r\n"
    '2026-09-01 10:00:00,Ann Lee,ann@example.org,"Because housing\r\nmatters,\r\nand so do we"\r\n'
    "2026-09-01 10:05:00,Bo Diaz,bo@example.org,\r\n"
    "\r\n"
    ',,,\r\n'
    '2026-09-02 18:30:00,"Chris ""CJ"" Park",cj@example.org,"Line one\nline two"\r\n'
).encode()
FORM_CSV_SIGNATURES = 3


def sheets_redirect_app(recorder: Recorder, *, content_base: str) -> web.Application:
    """docs.google.com's role: the export URL answers 302 to another host holding the CSV."""

    async def export(request: web.Request) -> web.Response:
        recorder.requests.append(request)
        key = request.match_info["key"]
        raise web.HTTPFound(f"{content_base}/export/{key}?gid={request.query.get('gid', '0')}")

    app = web.Application()
    app.router.add_get("/spreadsheets/d/{key}/export", export)
    return app


def sheets_content_app(recorder: Recorder) -> web.Application:
    """googleusercontent's role: the CSV itself, or the sign-in page for a private sheet."""

    async def content(request: web.Request) -> web.Response:
        recorder.requests.append(request)
        if request.match_info["key"] == "private":
            return web.Response(text="<!DOCTYPE html><html><title>Sign in</title></html>", content_type="text/html")
        return web.Response(body=FORM_CSV, content_type="text/csv", charset="utf-8")

    app = web.Application()
    app.router.add_get("/export/{key}", content)
    return app


def fold(line: str) -> str:
    """RFC 5545 folding: lines of at most 75 octets, continued with CRLF + space."""
    raw = line.encode()
    parts, limit = [], 75
    while len(raw) > limit:
        cut = limit
        while cut > 0 and (raw[cut] & 0xC0) == 0x80:  # never split a UTF-8 character
            cut -= 1
        parts.append(raw[:cut])
        raw = raw[cut:]
        limit = 74
    parts.append(raw)
    return "\r\n ".join(part.decode() for part in parts)


def ics(*lines: str) -> bytes:
    """A calendar file from content lines: folded, CRLF-terminated."""
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode()


COUNCIL_UID = "council-regular@durhamnc.gov"

# Durham City Council: 1st and 3rd Monday, 7 p.m. Eastern, across both 2026 DST changes, with a
# Labor Day EXDATE, a cancelled occurrence, a moved one, and a one-off cancelled only in its title.
COUNCIL_FEED = ics(
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//CivicPlus//Calendar//EN",
    "BEGIN:VEVENT",
    f"UID:{COUNCIL_UID}",
    "DTSTAMP:20251001T120000Z",
    "DTSTART;TZID=America/New_York:20260105T190000",
    "DTEND;TZID=America/New_York:20260105T210000",
    "RRULE:FREQ=MONTHLY;BYDAY=1MO,3MO",
    "EXDATE;TZID=America/New_York:20260907T190000",
    "SUMMARY:City Council Regular Meeting",
    "LOCATION:Council Chambers\\, 101 City Hall Plaza\\, Durham\\, NC 27701",
    "DESCRIPTION:Public comment sign-up closes at 6:45 p.m.\\nAgendas are posted the Thursday before; "
    "this line is long enough that it has to be folded more than once by the server.",
    "URL:https://www.durhamnc.gov/council",
    "END:VEVENT",
    "BEGIN:VEVENT",
    f"UID:{COUNCIL_UID}",
    "DTSTAMP:20251001T120000Z",
    "RECURRENCE-ID;TZID=America/New_York:20260420T190000",
    "DTSTART;TZID=America/New_York:20260420T190000",
    "DTEND;TZID=America/New_York:20260420T210000",
    "STATUS:CANCELLED",
    "SUMMARY:City Council Regular Meeting",
    "END:VEVENT",
    "BEGIN:VEVENT",
    f"UID:{COUNCIL_UID}",
    "DTSTAMP:20251001T120000Z",
    "RECURRENCE-ID;TZID=America/New_York:20261102T190000",
    "DTSTART;TZID=America/New_York:20261104T180000",
    "DTEND;TZID=America/New_York:20261104T200000",
    "SUMMARY:City Council Regular Meeting (Wednesday\\, after Election Day)",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "UID:work-session-20260312@durhamnc.gov",
    "DTSTAMP:20251001T120000Z",
    "DTSTART:20260312T130000Z",
    "SUMMARY:Council Work Session - CANCELLED",
    "END:VEVENT",
    "END:VCALENDAR",
)


def ics_app(recorder: Recorder, feeds: dict[str, bytes]) -> web.Application:
    """Serves ``feeds`` by path as text/calendar; anything else is a 404 page."""

    async def feed(request: web.Request) -> web.Response:
        recorder.requests.append(request)
        body = feeds.get(request.path)
        if body is None:
            return web.Response(text="<html>Page not found</html>", status=404, content_type="text/html")
        return web.Response(body=body, content_type="text/calendar", charset="utf-8")

    app = web.Application()
    app.router.add_get("/{tail:.*}", feed)
    return app


_FILTER = re.compile(r"EventDate ge datetime'(\d{4}-\d{2}-\d{2})'(?: and EventBodyName eq '((?:[^']|'')*)')?")


def legistar_events(count: int, *, body: str, first: date, first_id: int = 1) -> list[dict[str, Any]]:
    """``count`` daily events of ``body``; every 7th has no time, every 10th is cancelled."""
    rows = []
    for i in range(count):
        day = first + timedelta(days=i)
        event_id = first_id + i
        rows.append(
            {
                "EventId": event_id,
                "EventGuid": f"{event_id:08X}-14E5-4AB9-8178-ECFA61E02FDA",
                "EventLastModifiedUtc": "2025-10-02T14:11:05.33",
                "EventBodyId": 138,
                "EventBodyName": body,
                "EventDate": f"{day.isoformat()}T00:00:00",
                "EventTime": None if i % 7 == 3 else "7:00 PM",
                "EventAgendaStatusName": "Final",
                "EventLocation": "Commissioners' Chambers, 200 E. Main Street",
                "EventAgendaFile": f"https://legistar1.granicus.com/durhamcounty/meetings/{event_id}_A.pdf",
                "EventMinutesFile": None,
                "EventComment": "Meeting cancelled due to weather" if i % 10 == 9 else None,
                "EventInSiteURL": f"https://durhamcounty.legistar.com/MeetingDetail.aspx?LEGID={event_id}",
                "EventItems": [],
            }
        )
    return rows


@dataclass
class LegistarFake:
    """Legistar's ``/v1/{client}/events`` with OData $filter/$orderby/$top/$skip, at most 1000 rows."""

    events: list[dict[str, Any]]
    recorder: Recorder = field(default_factory=Recorder)
    client: str = "durhamcounty"
    reject_all_filters: bool = False
    fail_with: int | None = None
    ignore_skip: bool = False

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/v1/{client}/events", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.Response:
        self.recorder.requests.append(request)
        client = request.match_info["client"]
        if client != self.client:
            return web.Response(
                status=500,
                text=f'{{"Message":"An error has occurred.","ExceptionMessage":"LegistarConnectionString setting '
                f'is not set up in InSite for client {client}."}}',
                content_type="application/json",
            )
        if self.fail_with:
            return web.Response(status=self.fail_with, text="<html>Unavailable</html>", content_type="text/html")
        m = _FILTER.fullmatch(request.query.get("$filter", ""))
        if m is None or self.reject_all_filters or request.query.get("$orderby") != "EventDate asc":
            message = f"Syntax error at position 10 in '{request.query.get('$filter', '')}'."
            return web.json_response({"Message": f"The query specified in the URI is not valid. {message}"}, status=400)
        since, body = m.group(1), m.group(2)
        rows = [row for row in self.events if row["EventDate"][:10] >= since]
        if body is not None:
            rows = [row for row in rows if row["EventBodyName"] == body.replace("''", "'")]
        rows.sort(key=lambda row: row["EventDate"])
        top = min(int(request.query.get("$top", "1000")), 1000)
        skip = 0 if self.ignore_skip else int(request.query.get("$skip", "0"))
        return web.Response(text=json.dumps(rows[skip : skip + top]), content_type="application/json")
