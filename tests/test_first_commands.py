"""A new user's first commands: `--version`, and every command that reads the database on one that
was never migrated (docs/behaviour.md, Running it): one line saying to run `incident-bot db upgrade`,
exit status 2, and nothing created, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from bot.cli import main
from bot.storage.db import Database
from tests.storage.migrating import migrate

READING_COMMANDS = [
    ("outbox",),
    ("outbox", "retry", "--all"),
    ("export", "INC-1"),
    ("report", "--since", "2022-02-01"),
    ("alerts",),
]


def test_version_prints_the_installed_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, f"incident-bot {version('incident-bot')}\n", "")


@pytest.fixture
def operator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., int]:
    """`incident-bot <argv>` run from an empty folder, no Slack tokens, DATABASE_URL as set by the test."""
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return lambda *argv: main(list(argv))


@pytest.mark.parametrize("argv", READING_COMMANDS, ids=" ".join)
def test_without_a_database_file_a_reading_command_says_to_upgrade_and_creates_none(
    operator: Callable[..., int], tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    # DATABASE_URL unset: the default sqlite:///incidents.db in the current folder
    assert operator(*argv) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        "incident-bot cannot start: DATABASE_URL='sqlite:///incidents.db' does not exist yet: "
        "run `incident-bot db upgrade` first\n"
    )
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == [], "no incidents.db, no journal left behind"


@pytest.fixture
def unmigrated_url(empty_url: str) -> str:
    """A database that exists and answers but has no tables: an empty SQLite file, or PostgreSQL."""
    if make_url(empty_url).get_backend_name() == "sqlite":
        sqlite3.connect(make_url(empty_url).database or "").close()
    return empty_url


def tables(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return sorted(inspect(connection).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize("argv", READING_COMMANDS, ids=" ".join)
def test_on_a_database_without_tables_a_reading_command_says_to_upgrade_and_creates_nothing(
    operator: Callable[..., int],
    unmigrated_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
) -> None:
    monkeypatch.setenv("DATABASE_URL", unmigrated_url)
    assert operator(*argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("incident-bot cannot start: DATABASE_URL=")
    assert err.endswith(" has no tables yet: run `incident-bot db upgrade` first\n")
    assert err.count("\n") == 1
    assert tables(unmigrated_url) == [], "not even alembic_version"


def test_on_a_database_of_an_older_version_a_reading_command_names_both_migrations(
    operator: Callable[..., int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    old = Database(url)
    migrate(old, "0011")
    old.dispose()
    monkeypatch.setenv("DATABASE_URL", url)
    assert operator("report", "--since", "2022-02-01") == 2
    err = capsys.readouterr().err
    assert " is at migration 0011; this version needs " in err
    assert err.endswith("run `incident-bot db upgrade` first\n")
    assert "changed_at" not in _columns(url, "public_version"), "left at 0011"


def _columns(url: str, table: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return [column["name"] for column in inspect(connection).get_columns(table)]
    finally:
        engine.dispose()


def test_db_upgrade_then_makes_every_reading_command_work(
    operator: Callable[..., int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert operator("db", "upgrade") == 0
    assert (tmp_path / "incidents.db").exists()
    assert operator("outbox") == 0
    assert operator("report", "--since", "2022-02-01") == 0
    assert operator("export", "INC-1") == 1  # migrated, and empty: nothing to export
    out = capsys.readouterr().out
    assert "No Slack work waiting" in out and "| incidents | 0 |" in out


def test_export_format_is_explained_in_its_help() -> None:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "export", "--help"], capture_output=True, text=True, timeout=30, env=env
    )
    assert result.returncode == 0
    help_text = " ".join(result.stdout.split())
    assert "md: the retrospective document (default)" in help_text
    assert "json: the record, as docs/export.schema.json describes it" in help_text
