"""The announcements posted about an incident (`bot.storage.announcement_tables`), in SQL.

Flat functions on the caller's session, never committing (the sender owns the transaction)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.storage.announcement_tables import AnnouncementRow


def record(*, session: Session, incident_id: int, channel_id: str, ts: str) -> None:
    """Slack posted an announcement of the incident: its message."""
    session.add(AnnouncementRow(incident_id=incident_id, channel_id=channel_id, ts=ts))
    session.flush()


def of_incident(*, session: Session, incident_id: int) -> list[tuple[str, str]]:
    """The incident's announcements, oldest first: (channel, ts)."""
    query = select(AnnouncementRow).where(col(AnnouncementRow.incident_id) == incident_id)
    return [(row.channel_id, row.ts) for row in session.exec(query.order_by(col(AnnouncementRow.id)))]
