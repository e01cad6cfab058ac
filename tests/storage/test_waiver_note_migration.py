"""Migration 0037: a waiver's note is stored as written, longer than the 300 characters a reader
sees when it holds a typed `<` (`&lt;`) or a link; going back keeps its first 300 (SQLite never
enforced the length)."""

from __future__ import annotations

from datetime import UTC, datetime

from migrating import migrate
from sqlalchemy import text

from bot.service import IncidentService
from bot.storage.db import Database
from tests.conftest import KOLKATA

NOTE = "&lt;b> " + "x" * 296  # 300 characters as read, 303 as stored


def _waive(db: Database) -> str:
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE incident SET retro_state = 'waived', retro_note = :note"), {"note": NOTE})
        return str(connection.execute(text("SELECT retro_note FROM incident")).scalar_one())


def test_a_note_longer_as_stored_than_as_read_is_kept_and_cut_to_300_going_back(empty_url: str) -> None:
    db = Database(empty_url)
    db.upgrade()
    IncidentService(db, zone=KOLKATA, clock=lambda: datetime(2022, 2, 17, 16, 11, tzinfo=UTC)).open(
        team_id="T1", actor="U1", title="Down"
    )
    assert _waive(db) == NOTE
    migrate(db, "0036", down=True)
    with db.engine.connect() as connection:
        kept = connection.execute(text("SELECT retro_note FROM incident")).scalar_one()
    assert kept == (NOTE[:300] if db.engine.dialect.name == "postgresql" else NOTE)
    db.upgrade()
    assert _waive(db) == NOTE
    db.dispose()
