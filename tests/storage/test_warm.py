"""Warm start (bot.warm): the acknowledgement's statements run once before serving, and leave no trace."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import select

from bot import warm
from bot.lookup import Where
from bot.service import IncidentService
from bot.storage.db import Database
from bot.storage.effect_tables import EffectRow
from bot.storage.tables import TimelineRow


def _counts(db: Database) -> tuple[int, int]:
    with db.read() as session:
        entries = session.exec(select(func.count()).select_from(TimelineRow)).one()
        effects = session.exec(select(func.count()).select_from(EffectRow)).one()
    return int(entries), int(effects)


def test_warming_up_an_empty_database_changes_nothing(any_db: Database) -> None:
    warm.warm_up(any_db, connections=4)
    assert _counts(any_db) == (0, 0)


def test_warming_up_a_database_with_incidents_stores_nothing_and_the_next_note_is_stored(any_db: Database) -> None:
    service = IncidentService(any_db, zone=ZoneInfo("UTC"))
    service.open(team_id="T1", actor="U1", title="Checkout fails")
    before = _counts(any_db)
    warm.warm_up(any_db, connections=4)
    assert _counts(any_db) == before
    service.note(Where("T1", number=1), actor="U1", text="rolled back the deploy")
    texts = [entry.text for entry in service.timeline(Where("T1", number=1)).entries]
    assert texts[-1] == "rolled back the deploy" and "warm-up" not in texts
