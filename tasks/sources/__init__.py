"""Where petition counts and council meetings come from: pure readers of outside data.

Nothing here touches the store or the scheduler. Each reader takes its HTTP session and limits as
arguments and either returns plain values (an ``int``, a list of :class:`Meeting`) or raises a
:class:`SourceError` whose message is safe to show an organizer. The petition poller and the
calendar importer in ``tasks/`` decide what to do with the results.
"""

from tasks.sources.calendar import parse_ics
from tasks.sources.errors import CalendarError, SourceError
from tasks.sources.fetch import Fetched, fetch_response, fetch_url
from tasks.sources.legistar import fetch_legistar
from tasks.sources.meeting import Meeting
from tasks.sources.petitions import PetitionSpec, fetch_count, parse_spec

__all__ = [
    "CalendarError",
    "Fetched",
    "Meeting",
    "PetitionSpec",
    "SourceError",
    "fetch_count",
    "fetch_legistar",
    "fetch_response",
    "fetch_url",
    "parse_ics",
    "parse_spec",
]
