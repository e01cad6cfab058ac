"""The reminder messages' table (bot.domain.reminders.ReminderMessage). Same conventions as
`bot.storage.tables`: every datetime column is `UtcDateTime`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from bot.storage.utc import utc_column


class ReminderMessageRow(SQLModel, table=True):
    """A nudge or an escalation the scheduler claimed: what it says (kind, due, when noticed, how
    late), the schedule version its buttons carry, its message once posted, and the timeline entry
    that answered it (a published update, a snooze, "no update needed now"), which replaces its
    buttons."""

    __tablename__ = "reminder_message"
    __table_args__ = (Index("ix_reminder_message_incident", "incident_id", "answer_entry_id"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id")
    kind: str = Field(max_length=16)  # a ReminderKind: nudge | escalation
    due: datetime = utc_column()  # the public update was due by
    noticed_at: datetime = utc_column()  # when the scheduler claimed it
    late_seconds: int = Field(default=0)  # how long after its time it was claimed
    version: int  # the schedule version its buttons carry
    message_ts: str | None = Field(default=None, max_length=32)  # its message in the incident channel
    answer_entry_id: int | None = Field(default=None, foreign_key="timeline_entry.id")
