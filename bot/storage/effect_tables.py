"""The outbox's table: Slack work recorded in the command's transaction, sent after the ack (bot.outbox)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, text
from sqlmodel import Field, SQLModel

from bot.storage.utc import utc_column

PENDING = text("state = 'pending'")


class EffectRow(SQLModel, table=True):
    """Outbox: Slack work recorded in the command's transaction and sent after the ack."""

    __tablename__ = "effect"
    __table_args__ = (
        Index("ix_effect_pending", "not_before", "id", sqlite_where=PENDING, postgresql_where=PENDING),
        Index("ix_effect_incident", "incident_id", "id"),
        Index("ix_effect_alert_group", "alert_group_id", "id"),
        Index("ix_effect_pending_incident", "incident_id", "id", sqlite_where=PENDING, postgresql_where=PENDING),
        Index("ix_effect_pending_kind", "kind", "id", sqlite_where=PENDING, postgresql_where=PENDING),  # the pause
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int | None = Field(default=None, foreign_key="incident.id")
    # The workspace whose token sends it (its incident's): a sender claims only its own (auth.test's)
    team_id: str | None = Field(default=None, max_length=32)
    # The group of alerts whose triage message it is about: sent in that group's queue (bot.outbox.store)
    alert_group_id: int | None = Field(default=None)
    kind: str = Field(max_length=32)
    lane: str | None = Field(default=None, max_length=32)  # its kind's (bot.outbox.effect); None: strict order
    after_lane: str | None = Field(default=None, max_length=32)  # the lane it waits for (bot.outbox.store)
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    state: str = Field(default="pending", max_length=16)  # pending | done | dead
    attempts: int = Field(default=0)
    created_at: datetime = utc_column()
    not_before: datetime = utc_column()
    expires_at: datetime | None = utc_column(nullable=True)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = utc_column(nullable=True)
    done_at: datetime | None = utc_column(nullable=True)
    last_error: str | None = Field(default=None, max_length=500)
