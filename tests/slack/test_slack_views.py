"""The ``event add`` form (views.open and its submission) and the App Home (views.publish)."""

from __future__ import annotations

import slack_payloads as p
from fake_slack import Failure
from slack_harness import OLIVIA, VAL, SlackHarness, eventually, texts

from bot.model import Reply, Target

GOOD = {"title": 'Pack the "chambers"', "when": "Dec 7 7pm", "where": "101 City Hall Plaza", "spots": "5",
        "about": "Wear green.\nBring a friend."}


async def _open_form(slack: SlackHarness) -> tuple[dict, str]:
    delivered = await slack.command(OLIVIA, "event add")
    call = await eventually(lambda: slack.fake.called("views.open"))
    return call[0].args["view"], delivered.response_url


async def test_event_add_alone_opens_the_form_for_organizers(slack: SlackHarness) -> None:
    view, _ = await _open_form(slack)
    assert view["callback_id"] == "turnout-event-add"
    assert [b["block_id"] for b in view["blocks"]][:2] == ["title", "when"]
    assert slack.fake.called("views.open")[0].args["trigger_id"].startswith("trig-")


async def test_a_form_that_cannot_open_is_answered_with_how_to_type_it(slack: SlackHarness) -> None:
    slack.fake.fail("views.open", Failure("expired_trigger_id"))
    [answer] = await slack.say(OLIVIA, "event add")
    assert "Usage: event add &lt;title&gt; when:&lt;when&gt;" in texts(answer)  # Slack-escaped


async def test_volunteers_get_no_form(slack: SlackHarness) -> None:
    [answer] = await slack.say(VAL, "event add")
    assert slack.fake.called("views.open") == []
    assert answer["response_type"] == "ephemeral"


async def test_a_bad_answer_shows_under_its_field_and_adds_nothing(slack: SlackHarness) -> None:
    view, rid = await _open_form(slack)
    delivered = await slack.deliver("interactive",
                                    p.submission(OLIVIA[0], OLIVIA[1], view, {**GOOD, "when": "2020-01-01 19:00"}))
    assert delivered.body["response_action"] == "errors"
    assert list(delivered.body["errors"]) == ["when"]
    assert "past" in delivered.body["errors"]["when"]
    [listing] = await slack.say(VAL, "events")
    assert "No upcoming events" in texts(listing)


async def test_a_good_submission_adds_the_event_and_answers_where_the_form_was_opened(slack: SlackHarness) -> None:
    view, rid = await _open_form(slack)
    delivered = await slack.deliver("interactive",
                                    p.submission(OLIVIA[0], OLIVIA[1], view, GOOD))
    assert not delivered.body  # an empty ack closes the form
    [answer] = await eventually(lambda: slack.fake.posts(rid))
    shown = texts(answer)
    assert "Added event" in shown and 'Pack the "chambers"' in shown
    assert "Wear green.\nBring a friend." in shown
    assert "0/5, 5 open" in shown


async def test_opening_the_app_home_stores_nobody_and_forget_me_from_it_sticks(slack: SlackHarness) -> None:
    await slack.say(OLIVIA, 'event add Canvass Old North when:"Dec 5 10am" spots:3')
    await slack.deliver("events_api", p.home_opened(VAL[0]))
    await eventually(lambda: slack.fake.called("views.publish"))

    async def stored() -> bool:
        async with slack.core.store.snapshot() as tx:
            return await tx.find_person("slack", VAL[0]) is not None

    assert not await stored()
    await slack.deliver("interactive", p.click(VAL[0], VAL[1], "turnout:signup:1", channel=None, response_url=None,
                                               home=True))
    await eventually(lambda: len(slack.fake.called("views.publish")) == 2)
    assert await stored()
    await slack.deliver("interactive", p.click(VAL[0], VAL[1], "turnout:forget-me:confirm", channel=None,
                                               response_url=None, home=True))
    await eventually(lambda: len(slack.fake.called("views.publish")) == 3)  # the Home shown again after it
    assert not await stored()


async def test_app_home_shows_my_signups_and_upcoming_events(slack: SlackHarness) -> None:
    await slack.say(OLIVIA, 'event add Canvass Old North when:"Dec 5 10am" spots:3')
    await slack.click(VAL, "turnout:signup:1")
    await slack.deliver("events_api", p.home_opened(VAL[0]))
    [published] = await eventually(lambda: slack.fake.called("views.publish"))
    assert published.args["user_id"] == VAL[0]
    view = published.args["view"]
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    shown = texts(view)
    assert "Your sign-ups" in shown and "Upcoming events" in shown
    assert shown.count("Canvass Old North") == 2


async def test_a_click_in_the_app_home_answers_by_dm_and_refreshes_the_home(slack: SlackHarness) -> None:
    await slack.say(OLIVIA, 'event add Canvass Old North when:"Dec 5 10am" spots:3')
    await slack.deliver("interactive", p.click(VAL[0], VAL[1], "turnout:signup:1", channel=None, response_url=None,
                                               home=True))
    [dm] = await eventually(lambda: slack.fake.called("chat.postMessage"))
    assert dm.args["channel"] == "DVOL1"
    assert "You're in!" in texts(dm.args)
    [published] = await eventually(lambda: slack.fake.called("views.publish"))
    assert "1/3, 2 open" in texts(published.args["view"])
    # The DM channel is opened once: a second answer and the postman's reminders reuse it.
    await slack.deliver("interactive", p.click(VAL[0], VAL[1], "turnout:signup:1", channel=None, response_url=None,
                                               home=True))
    await eventually(lambda: len(slack.fake.called("chat.postMessage")) == 2)
    await slack.runtime.transport.send(Target("slack", "dm", VAL[0]), Reply("Reminder: canvass"), key="r1")
    assert [c.args["channel"] for c in slack.fake.called("chat.postMessage")] == ["DVOL1"] * 3
    assert len(slack.fake.called("conversations.open")) == 1
