"""Starting with a wrong setting, in-process: `incident-bot serve` prints one line naming the
setting and a value that works, exits with status 2, repeats no password and starts nothing
(docs/behaviour.md, Running it). A few of these also run as a real process from a folder with a
`.env` (tests/e2e/test_e2e_startup.py)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from bot import cli, serve
from bot.config import load_settings
from bot.variables import EXAMPLES

PREFIX = "incident-bot cannot start: "
# What an operator's shell would not have; the tests' own environment must not leak in.
PRODUCT_PREFIXES = ("SLACK_", "INCIDENT_", "DATABASE_", "LOG_LEVEL", "LOG_FORMAT", "PORT", "SMTP_")

BAD_SETTINGS = [
    ("DATABASE_URL", "db.example.com:5432/incidents", "DATABASE_URL='db.example.com:5432/incidents' is not a database URL"),  # noqa: E501
    ("DATABASE_URL", "mysql://bot:hunter2@db/incidents", "DATABASE_URL='mysql://bot:***@db/incidents' uses 'mysql': only sqlite and postgresql work"),  # noqa: E501
    ("DATABASE_URL", "postgres://bot:hunter2@127.0.0.1:1/incidents", """DATABASE_URL='postgresql+psycopg://bot:***@127.0.0.1:1/incidents' cannot be reached (connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused)"""),  # noqa: E501
    ("DATABASE_URL", "sqlite:////nonexistent/folder/incidents.db", "DATABASE_URL='sqlite:////nonexistent/folder/incidents.db' cannot be reached (unable to open database file)"),  # noqa: E501
    ("LOG_LEVEL", "LOUD", "LOG_LEVEL='LOUD' is not a level (DEBUG, INFO, WARNING, ERROR, CRITICAL)"),
    ("LOG_FORMAT", "yaml", "LOG_FORMAT='yaml' is not a format (text or json)"),
    ("SLACK_BOT_TOKEN", "xoxp-1-2-user-token", "SLACK_BOT_TOKEN must start with xoxb- (it starts with 'xoxp-')"),
    ("SLACK_BOT_TOKEN", "", "SLACK_BOT_TOKEN is required and not set"),
    ("SLACK_SIGNING_SECRET", " ", "SLACK_SIGNING_SECRET is required and not set"),
    ("SLACK_APP_TOKEN", "xoxb-1-2-abc", "SLACK_APP_TOKEN must start with xapp- (it starts with 'xoxb-')"),
    ("SLACK_API_URL", "slack.com/api", "SLACK_API_URL='slack.com/api' is not an http(s) URL"),
    ("PORT", "eighty", "PORT='eighty' is not a TCP port number (1-65535)"),
    ("INCIDENT_TIMEZONE", "Mars/Olympus", "INCIDENT_TIMEZONE='Mars/Olympus' is not an IANA time zone"),
    ("INCIDENT_ANNOUNCE_CHANNEL", "#incidents", "INCIDENT_ANNOUNCE_CHANNEL='#incidents' is not a channel ID (see the channel's details, at the bottom)"),  # noqa: E501
    ("INCIDENT_STATUS_CHANNEL", "status", "INCIDENT_STATUS_CHANNEL='status' is not a channel ID (see the channel's details, at the bottom)"),  # noqa: E501
    ("INCIDENT_LANGUAGES", "en,de", "INCIDENT_LANGUAGES has de; available: en, fr"),
    ("INCIDENT_REMINDERS", "sev1=soon", "INCIDENT_REMINDERS='sev1=soon' is not valid: 'soon' is not a duration such as 30m, 2h, 90s or off"),  # noqa: E501
    ("INCIDENT_PAGE_ESCALATE_AFTER", "soon", "INCIDENT_PAGE_ESCALATE_AFTER='soon' is not a duration such as 90s, 5m or 1h"),  # noqa: E501
    ("INCIDENT_PAGERDUTY_EVENTS_URL", "events.pagerduty.com", "INCIDENT_PAGERDUTY_EVENTS_URL='events.pagerduty.com' is not an http(s) URL"),  # noqa: E501
    ("INCIDENT_PUBLIC_NAME", "A" * 300, "INCIDENT_PUBLIC_NAME is too long (300 characters) for 280-character drafts"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "value", "line"), BAD_SETTINGS, ids=[f"{n}={v[:20]}" for n, v, _ in BAD_SETTINGS])
def test_a_wrong_setting_stops_serve_with_one_line_naming_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    value: str,
    line: str,
) -> None:
    for variable in [key for key in os.environ if key.startswith(PRODUCT_PREFIXES)]:
        monkeypatch.delenv(variable)
    good = {
        "SLACK_BOT_TOKEN": "xoxb-1-2-abc",
        "SLACK_SIGNING_SECRET": "signing-secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "DATABASE_URL": f"sqlite:///{tmp_path}/incidents.db",
    }
    for variable, setting in {**good, name: value}.items():
        monkeypatch.setenv(variable, setting)
    monkeypatch.chdir(tmp_path)  # no .env here: nothing is read into this process's environment
    monkeypatch.setattr(signal, "signal", lambda *_: None)  # serve's SIGTERM handler stays out of pytest
    monkeypatch.setattr(serve, "run_serve", lambda *_, **__: pytest.fail("serve started with a wrong setting"))
    assert cli.main(["serve", "--port", "0"]) == 2
    said = capsys.readouterr().err
    assert said.splitlines() == [f"{PREFIX}{line}; e.g. {name}={EXAMPLES[name]}"]
    assert "hunter2" not in said
    assert not (tmp_path / "incidents.db").exists(), "nothing was started"


@pytest.mark.parametrize("name", sorted({name for name, _, _ in BAD_SETTINGS} - {"LOG_LEVEL"}))
def test_the_example_each_line_shows_is_accepted(name: str) -> None:
    load_settings({name: EXAMPLES[name]})


def test_more_than_one_web_process_on_sqlite_is_one_line_and_one_process_or_postgresql_none() -> None:
    from bot.startup import several_on_sqlite

    def settings(url: str) -> object:
        return load_settings({"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_SIGNING_SECRET": "s", "DATABASE_URL": url})

    sqlite = settings("sqlite:///incidents.db")
    assert several_on_sqlite(sqlite, 2) == (  # type: ignore[arg-type]
        "WEB_CONCURRENCY=2 web processes on SQLite (DATABASE_URL='sqlite:///incidents.db'): SQLite is for one "
        "process on one host, and each web process sends Slack work and reminds on its own. Use PostgreSQL "
        "(DATABASE_URL) for more than one, or WEB_CONCURRENCY=1."
    )
    assert several_on_sqlite(sqlite, 1) is None  # type: ignore[arg-type]
    assert several_on_sqlite(settings("postgresql+psycopg://bot@db/incidents"), 4) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("poll", ["0", "-1", "nan", "inf", "soon"])
def test_a_worker_poll_that_is_not_seconds_above_0_stops_it_with_one_line_before_anything_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str], poll: str
) -> None:
    """`--poll 0` made the worker ask the database without a pause, and `-1` or `nan` ended it
    with a traceback at its first pause."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/incidents.db")
    monkeypatch.setattr(signal, "signal", lambda *_: None)  # the worker's handlers stay out of pytest
    with pytest.raises(SystemExit) as refused:
        cli.main(["worker", "--poll", poll])
    assert refused.value.code == 2
    said = capsys.readouterr().err.splitlines()
    assert (
        said[-1]
        == f"incident-bot worker: error: argument --poll: {poll!r} is not a number of seconds above 0 (e.g. 1 or 0.5)"
    )
    assert not (tmp_path / "incidents.db").exists(), "nothing was started"
