"""Petition progress, as volunteers and organizers see it."""

from tests.conftest import Bot


async def test_count_goal_bar_and_gain_since_yesterday(bot: Bot) -> None:
    await bot.say("olivia", "petition add resolution goal:1000 link:https://example.org/sign")
    await bot.say("olivia", "petition set resolution 700")
    bot.clock.advance(hours=25)
    await bot.say("olivia", "petition set resolution 736")
    await bot.say("olivia", "petition paper resolution 40")
    text = await bot.say("vera", "petition")
    assert text.splitlines() == [
        "resolution: 776 of 1,000 signatures (77%)",
        "`███████████████░░░░░`",
        "+76 since yesterday · 736 online + 40 on paper · sign it here <https://example.org/sign>",
    ]


async def test_a_new_petition_claims_no_gain_and_a_drop_is_not_news(bot: Bot) -> None:
    await bot.say("olivia", "petition add resolution goal:1000")
    await bot.say("olivia", "petition set resolution 500")
    assert "since yesterday" not in await bot.say("vera", "petition resolution")
    bot.clock.advance(days=2)
    await bot.say("olivia", "petition set resolution 480")
    text = await bot.say("vera", "petition resolution")
    assert "no new signatures since yesterday" in text
    assert "-20" not in text


async def test_goal_reached_and_several_petitions(bot: Bot) -> None:
    assert '`petition set "Durham resolution" <count>`' in await bot.say(
        "olivia", 'petition add "Durham resolution" goal:100')
    await bot.say("olivia", "petition add housing goal:50")
    await bot.say("olivia", 'petition set "durham resolution" 120')
    text = await bot.say("vera", "petition")
    assert "Durham resolution: 120 of 100 signatures (120%)" in text
    assert "goal reached!" in text
    assert "housing: 0 of 50" in text
    assert "exists already" in await bot.say("olivia", "petition add HOUSING goal:5")
    assert "would leave -5 paper" in await bot.say("olivia", "petition paper housing -5")


async def test_a_count_that_leaps_by_a_slipped_digit_is_asked_about_and_changes_nothing(bot: Bot) -> None:
    await bot.say("olivia", "channel link petition", channel="petition")
    await bot.say("olivia", "petition add resolution goal:1000")
    await bot.say("olivia", "petition set resolution 736")
    passed = ["resolution passed 500 signatures! Now 736 of 1,000."]
    asked = await bot.say("olivia", "petition set resolution 7360")
    assert asked.startswith("Hmm: That would take resolution from 736 to 7,360 signatures at once")
    assert "send `petition set resolution 7360 confirm`" in asked
    assert "736 of 1,000" in await bot.say("vera", "petition")
    assert bot.posts_in("petition") == passed  # nobody was told the goal was reached
    assert "would take resolution from 736 to 8,736" in await bot.say("olivia", "petition paper resolution 8000")
    await bot.say("olivia", "petition set resolution 802")  # an ordinary day's growth needs no confirm
    assert "802 of 1,000" in await bot.say("vera", "petition")
    assert "Updated." in await bot.say("olivia", "petition set resolution 7360 confirm")
    assert bot.posts_in("petition")[1:] == [
        "resolution passed 750 signatures! Now 802 of 1,000.",
        "resolution reached its goal of 1,000 signatures (now 7,360)! Thank you all."]
    await bot.say("olivia", "petition add parks goal:800")
    assert "Updated." in await bot.say("olivia", "petition set parks 1200")  # a first count: nothing to compare
    await bot.say("olivia", "petition add trees goal:800")
    await bot.say("olivia", "petition set trees 90")
    assert "haven't changed it yet" in await bot.say("olivia", "petition set trees 900")  # small ones slip too
