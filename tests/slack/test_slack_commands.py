"""Slash commands and button clicks, over signed HTTP and over Socket Mode, through the real slack-bolt."""

from __future__ import annotations

import json
import re

from slack_harness import GREG, OLIVIA, VAL, SlackHarness, eventually, texts

ADD = 'event add Pack the chambers when:"Dec 7 7pm" where:"101 City Hall Plaza" spots:2'


async def test_bare_turnout_shows_help_privately(slack: SlackHarness) -> None:
    [message] = await slack.say(VAL, "")
    assert message["response_type"] == "ephemeral"
    assert "what I can do" in texts(message)
    assert "For organizers" not in texts(message)


async def test_organizer_adds_an_event_and_a_volunteer_signs_up_with_the_button(slack: SlackHarness) -> None:
    [added] = await slack.say(OLIVIA, ADD)
    assert "Added event" in texts(added)
    buttons = [e for b in added["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == ["turnout:signup:1", "turnout:cancel:1"]
    [signed] = await slack.click(VAL, buttons[0]["action_id"])
    assert signed["response_type"] == "ephemeral"
    assert "You're in! Pack the chambers" in texts(signed)
    [shown] = await slack.say(VAL, "event 1")
    assert "1/2, 1 open" in texts(shown)


async def test_card_times_use_slack_date_formatting(slack: SlackHarness) -> None:
    [added] = await slack.say(OLIVIA, ADD)
    when = re.search(r"<!date\^(\d+)\^\{date_short_pretty\} \{time\}\|[^>]+>", texts(added))
    assert when is not None
    # Dec 7 2026, 7 pm in Durham (EST) is midnight UTC on Dec 8.
    assert int(when.group(1)) == 1796688000


async def test_user_group_members_are_organizers_and_others_are_refused(slack: SlackHarness) -> None:
    [refused] = await slack.say(VAL, ADD)
    assert "organizers only" in texts(refused)
    assert refused["response_type"] == "ephemeral"
    [added] = await slack.say(GREG, ADD)
    assert "Added event" in texts(added)


async def test_user_text_that_looks_like_a_ping_stays_literal(slack: SlackHarness) -> None:
    [added] = await slack.say(OLIVIA, 'event add <!channel> party & <@U123> when:"Dec 7 7pm"')
    assert "&lt;!channel&gt; party &amp; &lt;@U123&gt;" in texts(added)
    mrkdwn = json.dumps([b for b in added["blocks"] if b["type"] != "header"]) + added["text"]
    assert "<!channel>" not in mrkdwn and "<@U123>" not in mrkdwn
    # The header is plain_text, which Slack never parses for mentions: there the title is shown as typed.
    header = next(b for b in added["blocks"] if b["type"] == "header")
    assert header["text"] == {"type": "plain_text", "text": "#1 <!channel> party & <@U123>", "emoji": False}


async def test_channel_replies_go_in_channel(slack: SlackHarness) -> None:
    [linked] = await slack.say(OLIVIA, "channel link announcements")
    assert linked["response_type"] == "in_channel"
    assert "Linked #general for announcements" in texts(linked)


async def test_an_announcement_reaches_the_linked_channel_escaped(slack: SlackHarness) -> None:
    await slack.say(OLIVIA, "channel link announcements", channel="C0ANNOUNCE")
    [done] = await slack.say(OLIVIA, "announce Pack the chambers Monday! <!here> & bring friends")
    assert "Announcement sent to 1 channel" in texts(done)
    post = await eventually(lambda: [c for c in slack.fake.called("chat.postMessage")
                                     if c.args["channel"] == "C0ANNOUNCE"])
    shown = texts(post[0].args)
    assert "Pack the chambers Monday! &lt;!here&gt; &amp; bring friends" in shown
    assert "<!here>" not in shown


async def test_a_private_file_goes_to_the_organizers_dm_not_the_channel(slack: SlackHarness) -> None:
    await slack.say(OLIVIA, ADD)
    await slack.click(VAL, "turnout:signup:1")
    answers = await slack.say(OLIVIA, "roster 1", count=2)
    [upload] = await eventually(lambda: slack.fake.called("files.completeUploadExternal"))
    assert upload.args["channel_id"] == "DORG1"
    assert b"val" in next(iter(slack.fake.uploads.values()))
    assert all(a["response_type"] == "ephemeral" for a in answers)
    assert "to our direct messages" in texts(answers[-1])


async def test_a_click_runs_as_the_person_who_clicked_with_their_rights(slack: SlackHarness) -> None:
    await slack.say(OLIVIA, ADD)
    # A button id names a command; clicking one never lends the clicker an organizer's rights.
    [refused] = await slack.click(VAL, "turnout:roster:1")
    assert "organizers only" in texts(refused)
    answers = await slack.click(GREG, "turnout:roster:1")
    assert "Roster for #1" in texts(answers[0])
