"""The recurrence check at open (docs/behaviour.md, After the fire): earlier incidents of the
workspace that began in the 30 days before this one's impact and look alike are linked to it,
and a timeline line names them, in the transaction that opens the incident."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.domain.aftermath import RECURRENCE_WINDOW, Earlier, recurrence_entry, recurrence_text, similar_earlier
from bot.domain.incident import Incident, TimelineEntry
from bot.storage import aftermath, repository

FOUND_BY_THE_BOT = ""  # `linked_by` of a link the recurrence check made


def record_recurrence(
    session: Session, *, team_id: str, incident_id: int, incident: Incident, actor: str, now: datetime, zone: ZoneInfo
) -> tuple[int, TimelineEntry] | None:
    """Link the similar earlier incidents and add the recurrence line; None when there are none."""
    candidates = aftermath.begun_between(
        session=session,
        team_id=team_id,
        since=incident.impact_started_at - RECURRENCE_WINDOW,
        until=incident.impact_started_at,
        other_than=incident_id,
    )
    earlier = [
        Earlier(id=stored.id, incident=stored.incident, total=total)
        for stored, total in candidates
        if stored.incident.number < incident.number
        # a private incident is never named outside it (docs/behaviour.md, Private incidents)
        and (incident.private or not stored.incident.private)
    ]
    similar = similar_earlier(incident, earlier)
    if not similar:
        return None
    ids = [found.id for found in similar]
    aftermath.link_all(session=session, first_id=incident_id, second_ids=ids, actor=FOUND_BY_THE_BOT, now=now)
    entry = recurrence_entry(recurrence_text(incident, similar, zone), actor=actor, now=now)
    return repository.add_entry(session=session, incident_id=incident_id, entry=entry), entry
