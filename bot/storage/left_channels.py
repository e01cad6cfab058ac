"""The channels incidents left (`bot.storage.left_channel_tables`), in SQL.

Flat functions on the caller's session, never committing (the caller owns the transaction)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.storage.left_channel_tables import LeftChannelRow


def record(*, session: Session, incident_id: int, channel_id: str) -> None:
    """The incident left `channel_id` (its channel until now) for another; once, however often said."""
    if session.get(LeftChannelRow, channel_id) is None:
        session.add(LeftChannelRow(channel_id=channel_id, incident_id=incident_id))
        session.flush()


def incident_that_left(*, session: Session, channel_id: str) -> int | None:
    """The id of the incident whose channel `channel_id` was until it moved; None: none left it."""
    return session.exec(select(LeftChannelRow.incident_id).where(col(LeftChannelRow.channel_id) == channel_id)).first()
