"""The announcements' table: each message the bot posted in INCIDENT_ANNOUNCE_CHANNEL about an
incident (its opening, close or reopening), kept so that making the incident private can withdraw
them (docs/behaviour.md, Private incidents). Same conventions as `bot.storage.tables`."""

from __future__ import annotations

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class AnnouncementRow(SQLModel, table=True):
    """One announcement as Slack posted it: its channel and ts."""

    __tablename__ = "announcement"
    __table_args__ = (Index("ix_announcement_incident", "incident_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id")
    channel_id: str = Field(max_length=32)
    ts: str = Field(max_length=32)
