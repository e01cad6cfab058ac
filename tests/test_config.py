"""Settings from the environment: defaults, every check, and secrets kept out of logs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

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
    assert settings.status_url is None, "links are relative"
    assert settings.status_page_on_web, "one process is enough for a small team"
    assert settings.reminders == {1: timedelta(minutes=30), 2: timedelta(minutes=60), 3: None, 4: None}
    assert not settings.guests_read, "guests read nothing unless allowed"
    assert load_settings({"INCIDENT_GUESTS_READ": "True"}).guests_read
    assert not load_settings({"INCIDENT_GUESTS_READ": "false"}).guests_read


def test_every_missing_required_variable_is_named_at_once_one_line_each() -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({}, require=("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"))
    assert [line.split("; e.g. ")[0] for line in error.value.problems] == [
        "SLACK_BOT_TOKEN is required and not set",
        "SLACK_SIGNING_SECRET is required and not set",
    ]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "INCIDENT_TIMEZONE",
            "Asia/Kolkatta",
            "INCIDENT_TIMEZONE='Asia/Kolkatta' is not an IANA time zone; e.g. INCIDENT_TIMEZONE=Asia/Kolkata",
        ),
        ("PORT", "eighty", "PORT='eighty' is not a TCP port number (1-65535); e.g. PORT=3000"),
        ("PORT", "70000", "is not a TCP port number"),
        ("INCIDENT_REMINDERS", "sev1=soon", "'soon' is not a duration"),
        ("INCIDENT_REMINDERS", "sev9=30m", "'sev9=30m' is not sevN=<duration>"),
        ("INCIDENT_LANGUAGES", "en,de", "INCIDENT_LANGUAGES has de; available: en, fr; e.g. INCIDENT_LANGUAGES=en,fr"),
        (
            "INCIDENT_PUBLIC_NAME",
            "A" * 200,
            "INCIDENT_PUBLIC_NAME is too long (200 characters) for 280-character drafts",
        ),
        (
            "SLACK_API_URL",
            "slack.com/api",
            "SLACK_API_URL='slack.com/api' is not an http(s) URL; e.g. SLACK_API_URL=https://slack.com/api/",
        ),
        ("INCIDENT_STATUS_CHANNEL", "#status", "INCIDENT_STATUS_CHANNEL='#status' is not a channel ID"),
        (
            "INCIDENT_STATUS_URL",
            "status.example.com/status",
            "INCIDENT_STATUS_URL='status.example.com/status' is not an http(s) address; "
            "e.g. INCIDENT_STATUS_URL=https://status.example.com/status",
        ),
        ("INCIDENT_STATUS_URL", "https://status.example.com/status?lang=en", "has a query or a fragment"),
        ("INCIDENT_STATUS_URL", "https://status.example.com:https/", "is not a URL"),
        ("INCIDENT_STATUS_PAGE", "cdn", "INCIDENT_STATUS_PAGE='cdn' is not web or separate"),
        (
            "INCIDENT_GUESTS_READ",
            "yes",
            "INCIDENT_GUESTS_READ='yes' is not true or false; e.g. INCIDENT_GUESTS_READ=true",
        ),
        ("SLACK_BOT_TOKEN", "xoxp-user-token", "SLACK_BOT_TOKEN must start with xoxb- (it starts with 'xoxp-')"),
        ("SLACK_APP_TOKEN", "xoxb-bot-token", "SLACK_APP_TOKEN must start with xapp- (it starts with 'xoxb-')"),
        ("SLACK_APP_TOKEN", "secret-value", "SLACK_APP_TOKEN must start with xapp- (it does not)"),
        ("DATABASE_URL", "db.example.com:5432", "DATABASE_URL='db.example.com:5432' is not a database URL"),
        (
            "DATABASE_URL",
            "mysql://bot:hunter2@db/x",
            "DATABASE_URL='mysql://bot:***@db/x' uses 'mysql': only sqlite and postgresql work",
        ),
    ],
)
def test_a_wrong_setting_is_refused_in_one_line_naming_it_with_an_example(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match="Cannot start") as error:
        load_settings({name: value})
    [line] = error.value.problems
    assert line.startswith(name)
    assert message in line
    assert f"; e.g. {name}=" in line


@pytest.mark.parametrize("secret", ["xoxp-123-456-secretpart", "hunter2"])
def test_a_refused_token_or_password_is_not_repeated(secret: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({"SLACK_BOT_TOKEN": secret, "DATABASE_URL": f"mysql://bot:{secret}@db/x"})
    assert "secretpart" not in str(error.value) and "hunter2" not in str(error.value)


@pytest.mark.parametrize(
    "written",
    [
        "postgres://bot:pw@db.example.com:5432/incidents",
        "postgresql://bot:pw@db.example.com:5432/incidents",
        "postgresql+psycopg://bot:pw@db.example.com:5432/incidents",
    ],
)
def test_postgres_urls_as_hosting_platforms_write_them_mean_psycopg(written: str) -> None:
    url = load_settings({"DATABASE_URL": written}).database_url
    assert url == "postgresql+psycopg://bot:pw@db.example.com:5432/incidents"


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


def test_a_language_file_with_a_missing_phrase_is_refused_at_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wording folder is a copy with the broken file added: written into the installed package,
    the file was seen by every other test process reading the languages meanwhile (CI once failed a
    test on another worker with "INCIDENT_PUBLIC_NAME is too long")."""
    from importlib import resources

    from bot.domain import language

    folder = resources.files("bot.domain").joinpath("wording")
    for item in folder.iterdir():
        if item.is_file():
            (tmp_path / item.name).write_bytes(item.read_bytes())
    english = (tmp_path / "en.toml").read_text(encoding="utf-8")
    broken = english.replace('long = "We\'ll post our next update by {next_update}."\n', "")
    assert broken != english, "the phrase to remove is in en.toml"
    (tmp_path / "zz.toml").write_text(broken, encoding="utf-8")
    monkeypatch.setattr(language, "_folder", lambda directory: directory or tmp_path)
    language._read.cache_clear()  # what was read from the package's folder is not this folder's
    language._checked.cache_clear()
    try:
        with pytest.raises(ConfigError) as error:
            load_settings({"INCIDENT_LANGUAGES": "en,zz"})
    finally:
        language._read.cache_clear()  # nor is this folder's the package's
        language._checked.cache_clear()
    assert "draft_lines.next_update.long" in str(error.value)


# --- alert intake (docs/behaviour.md, Alerts) --------------------------------------------------------


def test_alert_tokens_are_read_named_or_not_and_never_shown() -> None:
    settings = load_settings(
        {
            "INCIDENT_ALERT_TOKENS": "prod-alertmanager:9f3c5e0a1b2d4c6e, 77ab02cd19ef4a3b77ab",
            "INCIDENT_ALERT_CHANNEL": "C0ALERTS",
        }
    )
    assert [(token.name, token.secret) for token in settings.alert_tokens] == [
        ("prod-alertmanager", "9f3c5e0a1b2d4c6e"),
        (None, "77ab02cd19ef4a3b77ab"),
    ]
    assert settings.alert_channel == "C0ALERTS"
    assert "9f3c" not in repr(settings) and "9f3c" not in repr(settings.alert_tokens)


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("prod:short-secret", "token #1 has a secret shorter than 16 characters"),
        ("9f3c5e0a1b2d4c6e,prod:9f3c5e0a1b2d4c6e", "token #2 repeats the secret of another token"),
        ("prod/am:9f3c5e0a1b2d4c6e", "token #1 has a name that is not 1-40 letters"),
    ],
)
def test_a_wrong_alert_token_is_one_line_that_never_repeats_a_secret(written: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({"INCIDENT_ALERT_TOKENS": written})
    [line] = error.value.problems
    assert line.startswith(f"INCIDENT_ALERT_TOKENS {message}")
    assert "short-secret" not in line and "9f3c" not in line


def test_alert_rules_are_read_from_their_file(tmp_path: Path) -> None:
    rules = tmp_path / "alert-rules.toml"
    rules.write_text('[[rule]]\nname = "watchdog"\nmatch = [\'alertname="Watchdog"\']\naction = "ignore"\n')
    settings = load_settings({"INCIDENT_ALERT_RULES": str(rules)})
    assert [rule.name for rule in settings.alert_rules.rules] == ["watchdog"]


def test_a_bad_alert_rule_is_one_line_naming_the_file_the_rule_and_the_problem(tmp_path: Path) -> None:
    rules = tmp_path / "alert-rules.toml"
    rules.write_text('[[rule]]\nname = "payments"\nmatch = [\'team=~"(pay"\']\n[[rule]]\nname = "x"\naction = "page"\n')
    with pytest.raises(ConfigError) as error:
        load_settings({"INCIDENT_ALERT_RULES": str(rules)})
    assert [line.split(": ")[1] for line in error.value.problems] == ["rule 'payments'", "rule 'x'"]
    assert error.value.problems[0].startswith(f"INCIDENT_ALERT_RULES={str(rules)!r}: rule 'payments': in `match`")


def test_a_missing_rules_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({"INCIDENT_ALERT_RULES": str(tmp_path / "nope.toml")})
    [line] = error.value.problems
    assert line.startswith("INCIDENT_ALERT_RULES=") and "names a file that does not exist" in line


def test_the_alert_channel_must_be_a_channel_id() -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({"INCIDENT_ALERT_CHANNEL": "#alerts"})
    assert error.value.problems[0].startswith("INCIDENT_ALERT_CHANNEL='#alerts' is not a channel ID")


# --- the service catalog (docs/behaviour.md, Components) ----------------------------------------


CATALOG = """
[[component]]
id = "home"
name = { en = "Home page", fr = "Page d'accueil" }
group = "Web"
"""


def test_the_catalog_file_is_read_into_the_settings(tmp_path: Path) -> None:
    (tmp_path / "catalog.toml").write_text(CATALOG, encoding="utf-8")
    settings = load_settings({"INCIDENT_CATALOG": str(tmp_path / "catalog.toml")})
    [home] = settings.catalog.components
    assert (home.id, home.name("fr"), home.group) == ("home", "Page d'accueil", "Web")


def test_without_a_catalog_there_are_no_components() -> None:
    assert not load_settings({}).catalog


def test_every_mistake_of_the_catalog_is_one_line_naming_the_file_and_its_component(tmp_path: Path) -> None:
    path = tmp_path / "catalog.toml"
    path.write_text(
        CATALOG
        + '[[component]]\nid = "home"\nname = "Again"\n'
        + '[[component]]\nid = "api"\nname = "API"\ncolour = "red"\nalerts = [\'service=~"(web"\']\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as error:
        load_settings({"INCIDENT_CATALOG": str(path), "PORT": "eighty"})
    lines = error.value.problems
    assert lines[0].startswith("PORT='eighty'")
    catalog_lines = lines[1:]
    assert len(catalog_lines) == 3
    assert all(line.startswith(f"INCIDENT_CATALOG={str(path)!r}: component ") for line in catalog_lines)
    assert "component 'home': the id is used again (first by component #1)" in catalog_lines[0]
    assert "component 'api': unknown key 'colour'" in catalog_lines[1]
    assert "component 'api': in `alerts`" in catalog_lines[2]


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda folder: folder / "missing.toml", "names a file that does not exist"),
        (lambda folder: folder, "names a folder, not a file"),
    ],
)
def test_a_catalog_that_cannot_be_read_is_one_line(tmp_path: Path, make: Callable[[Path], Path], why: str) -> None:
    path = make(tmp_path)
    with pytest.raises(ConfigError) as error:
        load_settings({"INCIDENT_CATALOG": str(path)})
    [line] = error.value.problems
    assert line.startswith(f"INCIDENT_CATALOG={str(path)!r} {why}")
    assert line.endswith("; e.g. INCIDENT_CATALOG=catalog.toml")


def test_a_catalog_that_is_not_toml_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "catalog.toml"
    path.write_text("[[component]\nid = ", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings({"INCIDENT_CATALOG": str(path)})
    [line] = error.value.problems
    assert line.startswith(f"INCIDENT_CATALOG={str(path)!r}: is not valid TOML")


MAIL = {
    "SMTP_URL": "smtp://bot:s3cret@smtp.example.com:587",
    "INCIDENT_MAIL_FROM": "Chirper status <status@example.com>",
    "INCIDENT_STATUS_URL": "https://status.example.com/status",
    "INCIDENT_SECRET_KEY": "k" * 32,
}


def test_smtp_url_enables_subscriptions_with_what_they_need() -> None:
    settings = load_settings(MAIL)
    assert settings.subscriptions and settings.smtp is not None
    assert (settings.smtp.host, settings.smtp.port, settings.smtp.starttls, settings.smtp.tls) == (
        "smtp.example.com",
        587,
        True,
        False,
    )
    assert "s3cret" not in repr(settings)
    secure = load_settings({**MAIL, "SMTP_URL": "smtps://bot:pw@smtp.example.com"}).smtp
    assert secure is not None and (secure.port, secure.tls, secure.starttls) == (465, True, False)
    relay = load_settings({**MAIL, "SMTP_URL": "smtp://localhost"}).smtp
    assert relay is not None and (relay.port, relay.starttls, relay.username) == (25, False, None)
    assert not load_settings({}).subscriptions


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("http://smtp.example.com", "must start with smtp://"),
        ("smtp://", "names no host"),
        ("smtp://smtp.example.com:99999", "is not a URL"),
        ("smtp://smtp.example.com/inbox", "has a path"),
        ("smtp://:pw@smtp.example.com", "a password without a user"),
    ],
)
def test_a_bad_smtp_url_is_one_line_without_its_password(url: str, said: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({**MAIL, "SMTP_URL": url})
    [line] = error.value.problems
    assert line.startswith("SMTP_URL ") and said in line and "pw" not in line


@pytest.mark.parametrize("missing", ["INCIDENT_SECRET_KEY", "INCIDENT_MAIL_FROM", "INCIDENT_STATUS_URL"])
def test_subscriptions_refuse_to_start_without_what_they_need(missing: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({name: value for name, value in MAIL.items() if name != missing})
    [line] = error.value.problems
    assert line.startswith(f"{missing} is required with SMTP_URL")


def test_a_short_secret_or_a_bad_sender_is_refused() -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({**MAIL, "INCIDENT_SECRET_KEY": "tiny-key", "INCIDENT_MAIL_FROM": "status at example"})
    named = [line.split(" ")[0] for line in error.value.problems]
    assert named == ["INCIDENT_SECRET_KEY", "INCIDENT_MAIL_FROM='status"]
    assert "tiny-key" not in error.value.problems[0]


def test_a_bad_smtp_url_stops_the_command_with_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/incidents.db")
    monkeypatch.setenv("SMTP_URL", "smtp//mail.example.com")
    for name in ("INCIDENT_MAIL_FROM", "INCIDENT_STATUS_URL", "INCIDENT_SECRET_KEY"):
        monkeypatch.setenv(name, MAIL[name])
    assert main(["db", "upgrade"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("incident-bot cannot start: SMTP_URL must start with smtp://")
