"""Declarations are checked when registered, and one table-driven test covers organizer rights."""

from collections.abc import Callable

import pytest

from bot.catalog import build_registry
from bot.commands import SLASH_NAME, Command, DeclarationError, Param, Registry
from tests.conftest import Bot


async def _noop(ctx, args):  # type: ignore[no-untyped-def]
    raise AssertionError("never called")


def _command(**overrides: object) -> Command:
    fields: dict[str, object] = {"name": "thing", "summary": "Does a thing", "handler": _noop, "params": ()}
    fields.update(overrides)
    return Command(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda: _command(name="Thing"), "lower-case"),
        (lambda: _command(name="a" * 40), "1-32"),
        (lambda: _command(summary=""), "summary"),
        (lambda: _command(params=(Param("x", "words", "rest"), Param("y", "int", "n"))), "greedy"),
        (lambda: _command(params=(Param("x", "int", "n", required=False), Param("y", "int", "n"))), "follows"),
        (lambda: _command(params=(Param("x", "int", "n"), Param("x", "int", "n"))), "repeated"),
        (lambda: _command(params=(Param("x", "choice", "pick"),)), "no choices"),
        (lambda: _command(params=(Param("x", "int", ""),)), "help"),
        (lambda: _command(examples=("other 1",)), "example"),
        (lambda: _command(finds_asker=True), "finds its asker"),
    ],
)
def test_malformed_declarations_fail_at_registration(make: Callable[[], Command], problem: str) -> None:
    with pytest.raises(DeclarationError) as err:
        Registry().add(make())
    assert problem in str(err.value)


def test_a_name_cannot_be_declared_twice() -> None:
    registry = Registry()
    registry.add(_command())
    with pytest.raises(DeclarationError):
        registry.add(_command())


def test_every_real_command_fits_discords_naming_rules() -> None:
    registry = build_registry()
    assert len(registry) <= 100
    for command in registry:
        assert SLASH_NAME.match(command.slash_name)
        assert all(SLASH_NAME.match(p.name) for p in command.params)


ORGANIZER_COMMANDS = [c for c in build_registry() if c.organizer]


@pytest.mark.parametrize("command", ORGANIZER_COMMANDS, ids=lambda c: c.name)
async def test_volunteers_are_refused_every_organizer_command(bot: Bot, command: Command) -> None:
    example = command.examples[0] if command.examples else command.name
    before = await _export(bot)
    for line in (example, command.name):  # with arguments, and without: the refusal comes first
        reply = await bot.say("vera", line)
        assert reply == f"Not allowed: `{command.name}` is for organizers only."
    assert await _export(bot) == before


def test_the_table_covers_every_organizer_command() -> None:
    assert {c.name for c in ORGANIZER_COMMANDS} >= {
        "event add", "event edit", "event cancel", "roster", "checkin", "announce", "petition add",
        "petition set", "petition paper", "petition goal", "channel link", "channel unlink",
    }


async def _export(bot: Bot) -> dict:  # type: ignore[type-arg]
    from bot.export import export_data

    return await export_data(bot.core.store, bot.core.config.campaign.tz)
