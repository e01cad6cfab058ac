"""What sending a group's triage message needs, read from storage when it is sent (`read_group`).

Read at send time, like an incident's card (`bot.outbox.view`): a message edited after a storm of
notifications shows the group as it is now, whatever notification queued the edit.
"""

from __future__ import annotations

from sqlmodel import Session

from bot.domain.incident import Incident
from bot.domain.triage import TriageView
from bot.storage import alerts, members, repository
from bot.storage.db import Database

SHOWN_ALERTS = 10  # alerts a triage message lists one by one; the rest are counted
OFFERED_INCIDENTS = 100  # open incidents *Add to incident* offers (Slack's limit for a static select)


def is_offered(incident: Incident) -> bool:
    """Whether *Add to incident* offers the incident: open and not private."""
    return incident.status.is_open and not incident.private


def offered_incidents(session: Session, team_id: str) -> tuple[Incident, ...]:
    """What *Add to incident* offers, in the triage message and on the App Home: the workspace's
    open incidents but private ones, newest first, at most `OFFERED_INCIDENTS`."""
    found = repository.list_open(session=session, team_id=team_id)
    return tuple(stored.incident for stored in found if is_offered(stored.incident))[:OFFERED_INCIDENTS]


def read_group(db: Database, alert_group_id: int) -> TriageView | None:
    """The group as it is now; None when it is gone (`Database.read_each`)."""
    with db.read_each() as session:
        group = alerts.get_group(session=session, group_id=alert_group_id)
        if group is None:
            return None
        listed = alerts.alerts_of(session=session, group_id=group.id, limit=SHOWN_ALERTS)
        counts = alerts.counts(session=session, group_id=group.id, truncated=group.truncated)
        incident = None
        if group.incident_id is not None:
            incident = repository.get_by_id(session=session, incident_id=group.incident_id).incident
        offered: tuple[Incident, ...] = ()
        if group.team_id is not None and incident is None:
            offered = offered_incidents(session, group.team_id)
        names = members.names(session=session, user_ids={group.decided_by} if group.decided_by else set())
    return TriageView(group, tuple(listed), counts, incident, offered, names)
