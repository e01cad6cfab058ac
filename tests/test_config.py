"""Settings from the environment: defaults, every check, and secrets kept out of logs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import ConfigError, load_settings, parse_reminders


def test_defaults_follow_the_spec() -> None:
    settings = load_settings({})
    assert settings.api_url == "https://slack.com/api/"
    assert settings.database_url == "sqlite:///incidents.db"
    assert settings.port == 3000
    assert (settings.announce_channel, settings.status_channel) == (None, None)
    assert settings.zone.key == "UTC"
    assert settings.public_name == "our service"
    assert settings.languages == ("en",)
    assert settings.reminders == {1: timedelta(minutes=30), 2: timedelta(minutes=60), 3: None, 4: None}


def test_every_missing_required_variable_is_named_at_once() -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({}, require=("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"))
    assert "SLACK_BOT_TOKEN is required and not set" in str(error.value)
    assert "SLACK_SIGNING_SECRET is required and not set" in str(error.value)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("INCIDENT_TIMEZONE", "Asia/Kolkatta", "INCIDENT_TIMEZONE='Asia/Kolkatta' is not an IANA time zone"),
        ("PORT", "eighty", "PORT='eighty' is not a TCP port number"),
        ("PORT", "70000", "is not a TCP port number"),
        ("INCIDENT_REMINDERS", "sev1=soon", "'soon' is not a duration"),
        ("INCIDENT_REMINDERS", "sev9=30m", "'sev9=30m' is not sevN=<duration>"),
        ("INCIDENT_LANGUAGES", "en,de", "INCIDENT_LANGUAGES has de; available: en, fr"),
        ("INCIDENT_PUBLIC_NAME", "A" * 200, "INCIDENT_PUBLIC_NAME: The public name"),
        ("SLACK_API_URL", "slack.com/api", "must be an http(s) URL"),
        ("INCIDENT_STATUS_CHANNEL", "#status", "must be a channel ID such as C0123ABCDEF"),
    ],
)
def test_a_wrong_setting_is_refused_with_its_name(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match="Cannot start") as error:
        load_settings({name: value})
    assert message in str(error.value)


def test_the_api_url_gets_the_trailing_slash_slack_sdk_needs() -> None:
    assert load_settings({"SLACK_API_URL": "http://127.0.0.1:9/api"}).api_url == "http://127.0.0.1:9/api/"


def test_reminders_accept_seconds_minutes_hours_and_off() -> None:
    assert parse_reminders("sev1=90s,sev2=2h,sev3=15m,sev4=off") == {
        1: timedelta(seconds=90),
        2: timedelta(hours=2),
        3: timedelta(minutes=15),
        4: None,
    }


def test_secrets_never_appear_in_the_settings_repr() -> None:
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-secret-token",
            "SLACK_SIGNING_SECRET": "signing-secret-value",
            "SLACK_APP_TOKEN": "xapp-secret",
            "DATABASE_URL": "postgresql+psycopg://bot:hunter2@db/incidents",
        }
    )
    shown = repr(settings)
    for secret in ("xoxb-secret-token", "signing-secret-value", "xapp-secret", "hunter2"):
        assert secret not in shown
    assert "postgresql+psycopg://bot:***@db/incidents" in shown


def test_a_language_file_with_a_missing_phrase_is_refused_at_start_up() -> None:
    from importlib import resources

    folder = resources.files("bot.domain").joinpath("wording")
    english = folder.joinpath("en.toml").read_text(encoding="utf-8")
    broken = english.replace('long = "We\'ll post our next update by {next_update}."\n', "")
    assert broken != english, "the phrase to remove is in en.toml"
    path = folder.joinpath("zz.toml")
    path.write_text(broken, encoding="utf-8")  # type: ignore[attr-defined]
    try:
        with pytest.raises(ConfigError) as error:
            load_settings({"INCIDENT_LANGUAGES": "en,zz"})
    finally:
        path.unlink()  # type: ignore[attr-defined]
    assert "draft_lines.next_update.long" in str(error.value)
