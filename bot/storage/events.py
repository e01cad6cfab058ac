"""Slack events already acted on: Slack delivers an event again when it did not see our 200 in
time, so each event id is recorded with what it caused, in the same transaction."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col

from bot.storage.sql import core, upsert
from bot.storage.tables import SlackEventRow


def remember_event(*, session: Session, event_id: str, now: datetime) -> bool:
    """Record a Slack event id; False when it was already recorded (a redelivery).

    RETURNING, not rowcount: psycopg 3 reports -1 for this statement through SQLAlchemy, so a
    rowcount test took every first delivery on PostgreSQL for a redelivery."""
    inserted = core(session).execute(
        upsert(session)(SlackEventRow)
        .values(event_id=event_id, received_at=now)
        .on_conflict_do_nothing()
        .returning(col(SlackEventRow.event_id))
    )
    return inserted.first() is not None
