"""Petitions that keep themselves current: polling a real HTTP source, milestones, failures, daily news."""

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from bot.app import Core
from bot.clock import FakeClock
from bot.config import Secrets
from tasks.postman import Postman
from tasks.sources.gateway import SourceGateway
from tests.conftest import START, Bot, RecordingTransport, Serve, make_config


@dataclass
class CountServer:
    """A petition count on 127.0.0.1 that tests move up and down, or break."""

    count: int = 0
    failing: bool = False
    requests: int = 0
    url: str = ""
    seen_keys: list[str | None] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.requests += 1
        if self.failing:
            return web.Response(status=503, text="upstream down")
        return web.json_response({"data": {"attributes": {"signature_count": self.count}}})

    async def action_network(self, request: web.Request) -> web.Response:
        key = request.headers.get("OSDI-API-Token")
        self.seen_keys.append(key)
        if key != "right-key-123":
            return web.json_response({"error": f"API Key invalid or not present: {key}"}, status=401)
        return web.json_response({"total_signatures": self.count}, content_type="application/hal+json")


@pytest.fixture
async def counts(serve: Serve) -> CountServer:
    server = CountServer()
    app = web.Application()
    app.router.add_get("/count.json", server.handle)
    app.router.add_get("/api/v2/petitions/{uuid}", server.action_network)
    server.url = await serve(app)
    return server


async def test_a_polled_count_posts_each_milestone_once_even_across_jumps_and_dips(
    bot: Bot, counts: CountServer
) -> None:
    await bot.say("olivia", "channel link petition", channel="petition")
    counts.count = 700
    reply = await bot.say("olivia", f"petition add resolution goal:2000 source:json:{counts.url}/count.json")
    assert "700 signatures now, checked every 10 minutes" in reply
    assert bot.posts_in("petition") == ["resolution passed 500 signatures! Now 700 of 2,000."]

    counts.count = 1_600  # past 750, 1,000 and 1,500 at once: one post, naming the highest
    await bot.advance(minutes=10)
    assert bot.posts_in("petition")[1:] == ["resolution passed 1,500 signatures! Now 1,600 of 2,000."]
    counts.count = 1_400  # deduplication took some away: recorded, never announced
    await bot.advance(minutes=10)
    counts.count = 1_650  # and back over 1,500: nothing new
    await bot.advance(minutes=10)
    assert len(bot.posts_in("petition")) == 2
    assert "1,650 of 2,000" in await bot.say("vera", "petition")


async def test_a_source_address_with_a_token_is_shown_by_its_host_only(bot: Bot, counts: CountServer) -> None:
    counts.count = 42
    secret_url = counts.url.replace("http://", "http://bob:S3CRET@") + "/count.json?token=S3CRET"
    reply = await bot.say("olivia", f"petition add resolution goal:100 source:json:{secret_url}")
    assert "from json: 127.0.0.1: 42 signatures now" in reply
    reply = await bot.say("olivia", f"petition source resolution csv:{secret_url}")
    assert "S3CRET" not in reply and "csv: 127.0.0.1" in reply
    reply = await bot.say("olivia", "petition source resolution json:http://bob:S3CRET@[::1/count.json")
    assert "S3CRET" not in reply and "incident" not in reply


async def test_reaching_the_goal_gets_its_own_post_and_a_suggestion_to_raise_it(bot: Bot) -> None:
    await bot.say("olivia", "channel link petition", channel="petition")
    await bot.say("olivia", "channel link organizers", channel="organizers")
    await bot.say("olivia", 'petition add resolution goal:800 milestones:"750,800"')
    await bot.say("olivia", "petition set resolution 810")
    # One post, not "passed 800" beside "reached its goal of 800"; the 800 milestone counts as said.
    assert bot.posts_in("petition") == ["resolution reached its goal of 800 signatures (now 810)! Thank you all."]
    assert "Time to raise it? `petition goal resolution 1,250`" in bot.posts_in("organizers")[0]
    await bot.say("olivia", "petition set resolution 820")
    assert len(bot.posts_in("petition")) == 1
    await bot.say("olivia", "petition goal resolution 1000")
    await bot.say("olivia", "petition set resolution 1001")
    assert bot.posts_in("petition")[-1] == "resolution reached its goal of 1,000 signatures (now 1,001)! Thank you all."


async def test_repeated_failures_are_reported_once_and_recovery_once(bot: Bot, counts: CountServer) -> None:
    await bot.say("olivia", "channel link organizers", channel="organizers")
    counts.count = 10
    await bot.say("olivia", f"petition add resolution goal:100 source:json:{counts.url}/count.json every:5m")
    counts.failing = True
    await bot.advance(hours=6)
    failures = counts.requests - 1
    assert 3 <= failures <= 7  # backing off: 5, 10, 20, 40, 80... minutes, not 72 tries
    [report] = bot.posts_in("organizers")
    assert "couldn't read the count of resolution 3 times in a row" in report
    counts.failing = False
    counts.count = 42
    await bot.advance(hours=7)
    assert bot.posts_in("organizers")[1] == "The source of resolution works again: 42 signatures."
    assert len(bot.posts_in("organizers")) == 2


async def test_a_bad_source_is_refused_when_set_and_changes_nothing(bot: Bot, counts: CountServer) -> None:
    assert "Source problem" in await bot.say("olivia", "petition add resolution goal:100 source:ftp:nope")
    counts.failing = True
    reply = await bot.say("olivia", f"petition add resolution goal:100 source:json:{counts.url}/count.json")
    assert "503" in reply
    assert "No petitions yet" in await bot.say("olivia", "petition")


async def test_action_network_keys_never_reach_chat(tmp_path: Path, counts: CountServer) -> None:
    clock = FakeClock(START)
    config = make_config(Secrets(action_network_api_key="wrong-key-999"))
    sources = SourceGateway(config, timeout=5.0, action_network_api=f"{counts.url}/api/v2")
    core = await Core.open(config, db_path=tmp_path / "t.db", clock=clock, sources=sources)
    transport = RecordingTransport()
    bot = Bot(core, Postman(store=core.store, clock=clock, transports=[transport]), transport, clock)
    try:
        uuid = "7580a324-9a72-11e3-a2e9-12313d316c29"
        reply = await bot.say("olivia", f"petition add resolution goal:1000 source:actionnetwork:{uuid}")
        assert counts.seen_keys == ["wrong-key-999"]
        assert "refused the API key" in reply
        assert "wrong-key-999" not in reply
    finally:
        await core.close()
        await sources.close()


async def test_the_daily_update_has_gain_and_pace(bot: Bot) -> None:
    await bot.say("olivia", "channel link petition", channel="petition")
    await bot.say("olivia", "petition add resolution goal:1000")
    for day in range(8):
        await bot.say("olivia", f"petition set resolution {500 + day * 20}")
        await bot.advance(days=1)
    daily = [p for p in bot.posts_in("petition") if "to the goal" in p]
    assert daily, bot.posts_in("petition")
    assert daily[-1] == ("resolution: 640 of 1,000 signatures (64%) · +20 since yesterday · "
                         "about 18 days to the goal at this week's pace")
    at = [s for s in bot.sent if s.text == daily[-1]]
    assert at and all(s.key.startswith("petition-daily:") for s in at)


async def test_the_daily_update_leaves_out_a_petition_with_no_news(bot: Bot) -> None:
    await bot.say("olivia", "channel link petition", channel="petition")
    await bot.say("olivia", "petition add resolution goal:1000")
    await bot.say("olivia", "petition add budget goal:100")
    await bot.say("olivia", "petition set resolution 500")
    await bot.say("olivia", "petition set budget 120")  # goal reached, then nothing more
    await bot.advance(days=2)
    await bot.say("olivia", "petition set resolution 530")
    posted = len(bot.posts_in("petition"))
    await bot.advance(days=1)
    [daily] = bot.posts_in("petition")[posted:]
    assert daily.startswith("resolution: 530 of 1,000 signatures (53%) · +30 since yesterday") and "budget" not in daily
    await bot.advance(days=1)  # neither gained: no post at all
    assert len(bot.posts_in("petition")) == posted + 1


async def test_the_chart_is_a_png_with_the_history(bot: Bot, tmp_path: Path) -> None:
    await bot.say("olivia", "petition add resolution goal:1000")
    for day in range(10):
        await bot.say("olivia", f"petition set resolution {300 + day * day * 6}")
        bot.clock.advance(days=1)
    [reply] = await bot.ask("vera", "petition chart resolution")
    [png] = reply.attachments
    assert png.content_type == "image/png" and png.data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(png.data[16:20], "big"), int.from_bytes(png.data[20:24], "big")
    assert (width, height) == (800, 450)
    (tmp_path / png.filename).write_bytes(png.data)  # looked at by eye while writing this test


def test_the_default_ladder_keeps_going() -> None:
    from bot.milestones import default_ladder

    assert default_ladder(2_000)[:11] == [50, 100, 250, 500, 750, 1_000, 1_500, 2_000, 2_500, 5_000, 10_000]
    assert default_ladder(120_000)[10:] == [10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000]
