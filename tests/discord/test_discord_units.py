"""Pure parts of the adapter, without a network: rendering, slash lines, the throttle, the invite."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from adapters.discordbot.invite import invite_url
from adapters.discordbot.markdown import to_discord
from adapters.discordbot.render import ButtonRow, render
from adapters.discordbot.slash import commands_payload, option_values
from adapters.discordbot.transport import nonce_for
from bot.catalog import build_registry
from bot.markup import esc
from bot.model import Button, Card, Field, Reply
from bot.textparse import bind_options

REGISTRY = build_registry()


def test_markup_becomes_discord_markdown() -> None:
    assert to_discord("**Bold** _it_ `code` [site](https://example.org)") == \
        "**Bold** *it* `code` [site](https://example.org)"
    typed = esc("~~strike~~ ||spoiler|| <@123> [x](https://evil.example) # heading")
    rendered = to_discord(typed)
    assert "\\~\\~strike" in rendered and "\\|\\|spoiler" in rendered and "\\<@123\\>" in rendered
    assert "\\[x\\]" in rendered
    assert to_discord(esc("# not a heading")).startswith("\\#")


def test_cards_stay_inside_embed_limits() -> None:
    card = Card(title="T" * 300, description="d" * 5000,
                fields=tuple(Field(f"f{i}", "v" * 1100) for i in range(30)), footer="x" * 3000,
                starts_at=datetime(2026, 12, 8, 0, tzinfo=UTC))
    [message] = render(Reply("hi", cards=(card,) * 3))[:1]
    for embed in message.embeds:
        data = embed.to_dict()
        assert len(data["title"]) <= 256 and 0 < len(data["description"]) <= 4096
        assert len(data["fields"]) <= 25 and all(len(f["value"]) <= 1024 for f in data["fields"])
        assert len(embed) <= 6000
    assert sum(len(e) for e in message.embeds) <= 6000
    assert message.embeds[0].fields[0].value.startswith("<t:1796688000:F>")


async def test_buttons_are_laid_out_in_rows_of_five() -> None:
    buttons = tuple(Button("L" * 100, f"signup {i}") for i in range(30))
    [message] = render(Reply("pick", buttons=buttons))
    view = message.kwargs()["view"]
    assert isinstance(view, ButtonRow)
    rows = view.to_components()
    assert len(rows) == 5 and all(len(r["components"]) == 5 for r in rows)
    assert all(len(b["label"]) <= 80 for r in rows for b in r["components"])
    assert not view.is_dispatchable()


def test_mentions_only_for_the_named_person() -> None:
    [message] = render(Reply("hello", mention="42"))
    assert message.content == "<@42> hello"
    assert message.allowed_mentions().to_dict() == {"parse": [], "users": [42]}
    [quiet] = render(Reply("<@42> typed"))
    assert quiet.allowed_mentions().to_dict() == {"parse": []}


VALUES = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")),
                 min_size=1, max_size=60).filter(lambda s: s.strip())


@given(VALUES, VALUES)
def test_slash_options_reach_the_core_intact(title: str, where: str) -> None:
    """Options go to the core by name, never through the typed-line parser: quotes of every kind survive."""
    command = REGISTRY.get("event add")
    assert command is not None
    args = bind_options(command, option_values({"options": [
        {"name": "title", "type": 3, "value": title}, {"name": "when", "type": 3, "value": "Dec 7 7pm"},
        {"name": "where", "type": 3, "value": where}, {"name": "spots", "type": 4, "value": 12},
    ]}))

    def expect(value: str) -> str:
        return " ".join(value.replace("\u00a0", " ").split())

    assert args["title"] == expect(title) and args["where"] == expect(where) and args["spots"] == 12


def test_every_declaration_becomes_a_valid_slash_command() -> None:
    payload = commands_payload(REGISTRY)
    assert len(payload) == len(REGISTRY) <= 100
    for command in payload:
        required = [o.get("required") for o in command["options"]]
        assert required == sorted(required, reverse=True)


def test_invite_asks_for_what_the_bot_uses() -> None:
    url = invite_url(123)
    assert "client_id=123" in url and "scope=bot+applications.commands" in url
    permissions = int(url.rsplit("permissions=", 1)[1])
    for bit in (10, 11, 14, 15, 16, 31):  # view, send, embed, attach, history, application commands
        assert permissions & (1 << bit)
    assert not permissions & (1 << 3)  # never administrator


def test_nonce_is_short_and_stable() -> None:
    assert nonce_for("reminder:1:" + "x" * 80) == nonce_for("reminder:1:" + "x" * 80)
    assert len(nonce_for("k")) <= 25 and nonce_for("k", 0) != nonce_for("k", 1)
