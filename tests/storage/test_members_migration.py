"""Migration 0003: the users.info cache (`slack_user`) becomes the members table, data and all."""

from __future__ import annotations

from datetime import UTC, datetime

from migrating import migrate
from sqlalchemy import inspect, text

from bot.storage import members as stored
from bot.storage.db import Database
from bot.storage.members import Member

CHECKED = datetime(2022, 2, 17, 16, 0, tzinfo=UTC)


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
        assert stored.names(session=session, user_ids={"U0ALICE", "U0GINA", "U0NOBODY"}) == {
            "U0ALICE": "alice",
            "U0GINA": "gina",
        }
    migrate(db, "0002", down=True)
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT user_id, name, is_guest FROM slack_user ORDER BY user_id")).all()
    assert [tuple(row) for row in rows] == [("U0ALICE", "alice", False), ("U0GINA", "gina", True)]
    db.dispose()
