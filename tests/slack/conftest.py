"""`bot`: the real Bolt app on SQLite and PostgreSQL, driven in-process (see dispatch_bot.py).

Slack is one tripwire for the session, emptied before each test. Here `sqlite_db` is a file
(`sqlite_file_db`: a copy of the one migrated once per test process).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dispatch_bot import DispatchBot, Tripwire, dispatch_bot

from bot.storage.db import Database


@pytest.fixture
def sqlite_db(sqlite_file_db: Database) -> Database:
    return sqlite_file_db


@pytest.fixture(scope="session")
def slack_tripwire() -> Iterator[Tripwire]:
    with Tripwire() as slack:
        yield slack


@pytest.fixture
def bot(any_db: Database, slack_tripwire: Tripwire) -> Iterator[DispatchBot]:
    yield from dispatch_bot(any_db, slack_tripwire)
