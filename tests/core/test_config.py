"""Settings: the documented example is exactly the defaults, and bad values are named."""

from pathlib import Path

import pytest

from bot.config import Config, ConfigError, Secrets, load_config

ROOT = Path(__file__).resolve().parents[2]


def test_the_example_file_documents_the_defaults() -> None:
    assert load_config(ROOT / "config.example.toml", env={}) == Config()


def test_secrets_come_from_the_environment_and_never_show_in_repr() -> None:
    config = load_config(None, env={"DISCORD_TOKEN": "abc.def.ghi", "SLACK_BOT_TOKEN": "xoxb-1"})
    assert config.secrets.discord_token == "abc.def.ghi"
    assert "abc.def.ghi" not in repr(config) and "xoxb-1" not in repr(config)
    assert Secrets.from_env({}).values() == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[campaign]\ntimezone = "Nowhere/Land"', "Nowhere/Land"),
        ("[campaign]\nreminders = \"soon\"", "not a duration"),
        ("[campain]\nname = \"x\"", "unknown table"),
        ("[slack]\nmode = \"carrier pigeon\"", "mode"),
        ("[digest]\nday = \"someday\"", "weekday"),
        ("[console]\norganizers = \"olivia\"", "list of strings"),
        ("not toml at all [", "not valid TOML"),
    ],
)
def test_bad_settings_are_named(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "turnout.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(path, env={})
    assert problem in str(err.value)


def test_slack_http_mode_listens_locally_unless_told_otherwise(tmp_path: Path) -> None:
    assert load_config(None, env={}).slack.host == "127.0.0.1"
    path = tmp_path / "turnout.toml"
    path.write_text('[slack]\nmode = "http"\nhost = "0.0.0.0"\nport = 8080\n', encoding="utf-8")
    slack = load_config(path, env={}).slack
    assert (slack.mode, slack.host, slack.port) == ("http", "0.0.0.0", 8080)
