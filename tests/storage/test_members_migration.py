"""Migration 0003: the users.info cache (`slack_user`) becomes the members table, data and all."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from bot.storage import members as stored
from bot.storage import repository as repo
from bot.storage.db import Database, alembic_config
from bot.storage.members import Member

CHECKED = datetime(2022, 2, 17, 16, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    """A database with no tables at all, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/old.db"
        return
    server = make_url(request.getfixturevalue("postgres_url"))
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"incident_bot_migration_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def migrate(db: Database, revision: str, *, down: bool = False) -> None:
    with db.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def test_the_cached_people_become_members_and_keep_their_names_and_guest_flags(empty_url: str) -> None:
    db = Database(empty_url)
    migrate(db, "0002")
    with db.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO slack_user (user_id, name, is_guest, checked_at) VALUES (:u, :n, :g, :at)"),
            [
                {"u": "U0ALICE", "n": "alice", "g": False, "at": CHECKED},
                {"u": "U0GINA", "n": "gina", "g": True, "at": CHECKED},
            ],
        )
    db.upgrade()
    assert "slack_user" not in inspect(db.engine).get_table_names()
    with db.read() as session:
        assert stored.get(session=session, user_id="U0GINA") == Member(
            user_id="U0GINA", team_id="", display_name="gina", real_name="", is_restricted=True
        )
        assert repo.names(session=session, user_ids={"U0ALICE", "U0GINA", "U0NOBODY"}) == {
            "U0ALICE": "alice",
            "U0GINA": "gina",
        }
    migrate(db, "0002", down=True)
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT user_id, name, is_guest FROM slack_user ORDER BY user_id")).all()
    assert [tuple(row) for row in rows] == [("U0ALICE", "alice", False), ("U0GINA", "gina", True)]
    db.dispose()
