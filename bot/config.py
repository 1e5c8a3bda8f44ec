"""Settings: a TOML file for what is not secret, environment variables for what is.

No file is required; every setting has a default, and ``config.example.toml`` documents them all.
Tokens are read only from the environment and never written anywhere.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time as datetime_time
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.errors import UsageError
from bot.timeparse import parse_duration, parse_offsets, zone


class ConfigError(Exception):
    """The configuration file is unreadable or has a bad value; the message names which."""


@dataclass(frozen=True)
class CampaignSettings:
    name: str = "Turnout"
    timezone: str = "America/New_York"
    #: Reminder offsets before each event unless the event says otherwise.
    reminders: tuple[timedelta, ...] = (timedelta(days=1), timedelta(hours=2))
    #: A scheduled message later than this after its due time is recorded as skipped, not sent.
    max_lateness: timedelta = timedelta(hours=1)
    #: A spot that frees up this close to an event is offered to the next person to claim,
    #: instead of silently promoting them; the offer lasts ``claim_window``.
    offer_window: timedelta = timedelta(hours=24)
    claim_window: timedelta = timedelta(hours=2)
    #: When to check for roles with too few volunteers (before the event).
    understaffed_before: timedelta = timedelta(days=3)
    #: How far ahead recurring events get their dates created.
    recurrence_window: timedelta = timedelta(weeks=8)

    @cached_property  # read for every line of every reply; checked once (works on a frozen dataclass)
    def tz(self) -> ZoneInfo:
        return zone(self.timezone)


@dataclass(frozen=True)
class DigestSettings:
    enabled: bool = False
    #: Weekday (``mon``...``sun``) and local time of the weekly digest.
    day: str = "mon"
    time: str = "09:00"


@dataclass(frozen=True)
class PetitionSettings:
    #: Local time of the daily update to the channels linked for petition news.
    daily_time: str = "18:00"
    daily: bool = True
    #: How often sources are polled unless a petition says otherwise.
    poll_every: timedelta = timedelta(minutes=10)
    #: Failed polls in a row before organizers hear about it (once).
    failures_before_report: int = 3


@dataclass(frozen=True)
class DeliverySettings:
    #: Messages per second into one Slack channel.
    slack_per_channel_per_second: float = 1.0
    #: Sends in flight at once, per platform.
    concurrency: int = 8


@dataclass(frozen=True)
class ConsoleSettings:
    #: Console names (besides ``you``) that act as organizers.
    organizers: tuple[str, ...] = ()
    files_dir: str = "turnout-files"


@dataclass(frozen=True)
class DiscordSettings:
    organizer_role: str = ""
    api_base: str = ""
    gateway_url: str = ""
    #: The application's id, for ``turnout discord invite`` (Developer Portal -> General Information).
    application_id: str = ""


@dataclass(frozen=True)
class SlackSettings:
    mode: str = "socket"
    organizers: tuple[str, ...] = ()
    api_base: str = ""
    #: HTTP mode listens here: behind the TLS proxy that Slack's https URL needs, by default.
    host: str = "127.0.0.1"
    port: int = 3000
    path: str = "/slack/events"


@dataclass(frozen=True)
class Secrets:
    """Read from the environment only. ``repr`` never shows a value."""

    discord_token: str = field(default="", repr=False)
    slack_bot_token: str = field(default="", repr=False)
    slack_app_token: str = field(default="", repr=False)
    slack_signing_secret: str = field(default="", repr=False)
    action_network_api_key: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Secrets:
        env = os.environ if env is None else env
        return cls(
            discord_token=env.get("DISCORD_TOKEN", ""),
            slack_bot_token=env.get("SLACK_BOT_TOKEN", ""),
            slack_app_token=env.get("SLACK_APP_TOKEN", ""),
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET", ""),
            action_network_api_key=env.get("ACTION_NETWORK_API_KEY", ""),
        )

    def values(self) -> list[str]:
        """Every secret set, for redaction."""
        return [v for v in (self.discord_token, self.slack_bot_token, self.slack_app_token,
                            self.slack_signing_secret, self.action_network_api_key) if v]


@dataclass(frozen=True)
class Config:
    campaign: CampaignSettings = CampaignSettings()
    console: ConsoleSettings = ConsoleSettings()
    discord: DiscordSettings = DiscordSettings()
    slack: SlackSettings = SlackSettings()
    secrets: Secrets = Secrets()
    db_path: str = "turnout.db"
    digest: DigestSettings = DigestSettings()
    delivery: DeliverySettings = DeliverySettings()
    petitions: PetitionSettings = PetitionSettings()


def load_config(path: str | Path | None, *, env: Mapping[str, str] | None = None) -> Config:
    """Read ``path`` (``None``: defaults only). Raises ``ConfigError`` naming the bad setting."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            with open(path, "rb") as handle:
                data = tomllib.load(handle)
        except FileNotFoundError as exc:
            raise ConfigError(f"config file {path} does not exist") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    try:
        return _build(data, Secrets.from_env(env))
    except (UsageError, TypeError, ValueError) as exc:
        text = exc.message if isinstance(exc, UsageError) else str(exc)
        raise ConfigError(f"config file {path}: {text}") from exc


def _table(data: dict[str, Any], name: str, allowed: set[str]) -> dict[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ValueError(f"[{name}] must be a table")
    unknown = set(table) - allowed
    if unknown:
        raise ValueError(f"[{name}] has unknown setting(s): {', '.join(sorted(unknown))}")
    return table


def _strings(value: Any, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{name} must be a list of strings")
    return tuple(value)


def _build(data: dict[str, Any], secrets: Secrets) -> Config:
    known = {"campaign", "console", "discord", "slack", "storage", "digest", "delivery", "petitions"}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown table(s): {', '.join(sorted(unknown))}")
    spans = ("max_lateness", "offer_window", "claim_window", "understaffed_before", "recurrence_window")
    c = _table(data, "campaign", {"name", "timezone", "reminders", *spans})
    campaign = CampaignSettings(
        name=str(c.get("name", CampaignSettings.name)),
        timezone=zone(str(c.get("timezone", CampaignSettings.timezone))).key,
        reminders=tuple(parse_offsets(c["reminders"])) if "reminders" in c else CampaignSettings.reminders,
        **{key: parse_duration(str(c[key])) for key in spans if key in c},
    )
    g = _table(data, "digest", {"enabled", "day", "time"})
    digest = DigestSettings(
        enabled=bool(g.get("enabled", DigestSettings.enabled)),
        day=str(g.get("day", DigestSettings.day)).lower()[:3],
        time=str(g.get("time", DigestSettings.time)),
    )
    if digest.day not in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        raise ValueError("[digest] day must be a weekday such as \"mon\"")
    try:
        datetime_time.fromisoformat(digest.time)
    except ValueError as exc:
        raise ValueError('[digest] time must be a 24-hour time such as "09:00"') from exc
    v = _table(data, "delivery", {"slack_per_channel_per_second", "concurrency"})
    per_second = DeliverySettings.slack_per_channel_per_second
    delivery = DeliverySettings(
        slack_per_channel_per_second=float(v.get("slack_per_channel_per_second", per_second)),
        concurrency=int(v.get("concurrency", DeliverySettings.concurrency)),
    )
    if delivery.slack_per_channel_per_second <= 0 or delivery.concurrency < 1:
        raise ValueError("[delivery] rates and concurrency must be positive")
    k = _table(data, "console", {"organizers", "files_dir"})
    console = ConsoleSettings(
        organizers=tuple(n.lower() for n in _strings(k.get("organizers", []), "[console] organizers")),
        files_dir=str(k.get("files_dir", ConsoleSettings.files_dir)),
    )
    d = _table(data, "discord", {"organizer_role", "api_base", "gateway_url", "application_id"})
    discord = DiscordSettings(**{key: str(value) for key, value in d.items()})
    s = _table(data, "slack", {"mode", "organizers", "api_base", "host", "port", "path"})
    mode = str(s.get("mode", SlackSettings.mode))
    if mode not in ("socket", "http"):
        raise ValueError('[slack] mode must be "socket" or "http"')
    slack = SlackSettings(
        mode=mode,
        organizers=_strings(s.get("organizers", []), "[slack] organizers"),
        api_base=str(s.get("api_base", SlackSettings.api_base)),
        host=str(s.get("host", SlackSettings.host)),
        port=int(s.get("port", SlackSettings.port)),
        path=str(s.get("path", SlackSettings.path)),
    )
    pt = _table(data, "petitions", {"daily_time", "daily", "poll_every", "failures_before_report"})
    petitions = PetitionSettings(
        daily_time=str(pt.get("daily_time", PetitionSettings.daily_time)),
        daily=bool(pt.get("daily", PetitionSettings.daily)),
        poll_every=parse_duration(str(pt["poll_every"])) if "poll_every" in pt else PetitionSettings.poll_every,
        failures_before_report=int(pt.get("failures_before_report", PetitionSettings.failures_before_report)),
    )
    try:
        datetime_time.fromisoformat(petitions.daily_time)
    except ValueError as exc:
        raise ValueError('[petitions] daily_time must be a 24-hour time such as "18:00"') from exc
    st = _table(data, "storage", {"path"})
    return Config(campaign, console, discord, slack, secrets, db_path=str(st.get("path", Config.db_path)),
                  digest=digest, delivery=delivery, petitions=petitions)
