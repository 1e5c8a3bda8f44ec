"""The Slack adapter: ``/turnout`` commands, Block Kit cards, App Home and DMs through slack-bolt.

Only this package imports slack_bolt / slack_sdk, so the console starts without them. The
composition root calls ``run_slack``; tests build a ``SlackRuntime`` against a fake Slack.
"""

from adapters.slackbot.runtime import SlackRuntime, run_slack

__all__ = ["SlackRuntime", "run_slack"]
