"""What the status process requires before it serves (bot.startup.status_problems): no Slack
token, the bot's database there and migrated, nothing created when it is not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.startup import status_problems
from bot.storage.db import Database


@pytest.fixture
def operator_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder and an environment without the tests' own settings."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "INCIDENT_", "DATABASE_", "LOG_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_database_that_is_not_there_is_refused_saying_which_one_to_use_and_nothing_is_created(
    operator_folder: Path,
) -> None:
    _, problems = status_problems(wait_seconds=0)
    assert problems == [
        "DATABASE_URL='sqlite:///incidents.db' does not exist yet: run `incident-bot db upgrade` first "
        "(the status process reads the web process's database: give it the same DATABASE_URL)"
    ]
    assert list(operator_folder.iterdir()) == [], "an empty database would be a page saying all is well"


def test_a_migrated_database_and_no_slack_token_is_all_it_needs(operator_folder: Path) -> None:
    Database(f"sqlite:///{operator_folder / 'incidents.db'}").upgrade()
    (operator_folder / ".env").write_text("INCIDENT_STATUS_URL=https://status.example.com/status\n")
    settings, problems = status_problems(wait_seconds=0)
    assert problems == [] and settings is not None
    assert (settings.bot_token, settings.status_url) == (None, "https://status.example.com/status")
