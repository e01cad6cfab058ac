"""`bot`: the real Bolt app on SQLite and PostgreSQL, driven in-process (see dispatch_bot.py).

Slack is one tripwire for the session, emptied before each test. Here `sqlite_db` is a file,
a copy of the one migrated once per session (`migrated_sqlite_file`).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from dispatch_bot import DispatchBot, Tripwire, dispatch_bot

from bot.storage.db import Database


@pytest.fixture
def sqlite_db(migrated_sqlite_file: Path, tmp_path: Path) -> Iterator[Database]:
    copy = tmp_path / "incidents.db"
    shutil.copyfile(migrated_sqlite_file, copy)
    db = Database(f"sqlite:///{copy}")
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def slack_tripwire() -> Iterator[Tripwire]:
    with Tripwire() as slack:
        yield slack


@pytest.fixture
def bot(any_db: Database, slack_tripwire: Tripwire) -> Iterator[DispatchBot]:
    yield from dispatch_bot(any_db, slack_tripwire)
