"""The channels incidents left: each public channel a private incident moved out of, so that what
is typed there afterwards is answered as such (docs/behaviour.md, Private incidents). Same
conventions as `bot.storage.tables`."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class LeftChannelRow(SQLModel, table=True):
    """A channel that was `incident_id`'s until the incident moved to a new private channel."""

    __tablename__ = "left_channel"

    channel_id: str = Field(primary_key=True, max_length=32)
    incident_id: int = Field(foreign_key="incident.id")
