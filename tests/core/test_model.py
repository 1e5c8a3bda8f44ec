"""Replies survive the outbox: what is planned today is sent, unchanged, days later."""

from datetime import UTC, datetime

from bot.model import Attachment, Button, Card, Field, Reply


def test_a_reply_round_trips_through_the_outbox_json() -> None:
    start = datetime(2026, 12, 8, 0, 0, tzinfo=UTC)
    reply = Reply(
        "Reminder: **Council** ‹#1›", visibility="channel",
        cards=(Card("#1 Council", "About", (Field("When", "Mon, Dec 7", inline=False),), url="https://x.org",
                    footer="Sign up: signup 1", starts_at=start, ends_at=start.replace(hour=2), event_id=1),),
        buttons=(Button("Sign up", "signup 1", style="success"),),
        attachments=(Attachment("roster.csv", b"\x00name,\xff", "text/csv"),),
        is_error=True, mention="U123", summary="",
    )
    assert Reply.from_json(reply.to_json()) == reply
    assert Reply.from_json(Reply("plain").to_json()) == Reply("plain")


def test_text_beside_cards_is_the_summary_only_when_there_are_cards() -> None:
    card = Card("#1 Council", "", ())
    assert Reply("full", cards=(card,), summary="short").beside_cards == "short"
    assert Reply("full", cards=(card,)).beside_cards == "full"
    assert Reply("full", summary="short").beside_cards == "full"


def test_an_event_with_new_counts_is_a_copy_that_leaves_the_original_alone() -> None:
    from dataclasses import replace

    from bot.domain import Event, Role

    start = datetime(2026, 12, 8, 0, 0, tzinfo=UTC)
    roles = (Role(1, 7, "speaker", 3, 1), Role(2, 7, "volunteer", 50, 10, 2, 1))
    event = Event(7, "Council", "meeting", start, start.replace(hour=2), "City Hall", "", "", "scheduled",
                  None, None, None, roles, series_id=4)
    counted = Role(2, 7, "volunteer", 50, 11, 2, 1)
    fresh = event.with_role(counted)
    assert fresh == replace(event, roles=(roles[0], counted))
    assert event.roles == roles and fresh is not event
    assert fresh.role("VOLUNTEER") == counted and fresh.role("usher") is None
