"""Where groups of alerts stand with people, in SQL: decisions, rules' declarations, the groups an
incident holds. Flat functions on the caller's session (the alert services commit).

A decision is made on the group's row, locked by the caller (`alerts.get_group(for_update=True)`),
and raises its `triage_version`: the buttons of a message rendered before carry the old one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, or_, select, update
from sqlmodel import Session, col

from bot.domain.alerts import AlertStatus, Counts, Triage
from bot.storage.sql import core
from bot.storage.tables import AlertGroupRow, AlertMemberRow, AlertRow, IncidentRow


def decide(
    *, session: Session, group_id: int, triage: Triage, actor: str, now: datetime, incident_id: int | None = None
) -> None:
    """Record who decided what of the group (and the incident it joined); its buttons go stale."""
    core(session).execute(
        update(AlertGroupRow)
        .where(col(AlertGroupRow.id) == group_id)
        .values(
            triage=triage.value,
            triage_version=AlertGroupRow.triage_version + 1,
            decided_by=actor,
            decided_at=now,
            incident_id=incident_id,
            declare_at=None,
        )
    )


def forget_declaring(*, session: Session, group_id: int) -> None:
    """The rule that would declare the group no longer will (it stopped firing first)."""
    core(session).execute(update(AlertGroupRow).where(col(AlertGroupRow.id) == group_id).values(declare_at=None))


def due_to_declare(*, session: Session, team_id: str, now: datetime, limit: int = 20) -> list[int]:
    """Groups of the workspace a rule declares by now, still waiting for a decision, oldest first."""
    query = (
        select(col(AlertGroupRow.id))
        .where(
            col(AlertGroupRow.declare_at).is_not(None),  # the partial index's condition
            col(AlertGroupRow.declare_at) <= now,
            col(AlertGroupRow.team_id) == team_id,
            col(AlertGroupRow.triage) == Triage.OPEN.value,
        )
        .order_by(col(AlertGroupRow.declare_at))
        .limit(limit)
    )
    return [int(found) for found in core(session).execute(query).scalars() if found is not None]


def next_declaration(*, session: Session, team_id: str) -> datetime | None:
    """When a rule declares a group of the workspace next (None: no rule waits)."""
    query = select(func.min(AlertGroupRow.declare_at)).where(
        col(AlertGroupRow.declare_at).is_not(None),
        col(AlertGroupRow.team_id) == team_id,
        col(AlertGroupRow.triage) == Triage.OPEN.value,
    )
    found: datetime | None = core(session).execute(query).scalar()
    return found


def without_workspace(*, session: Session, limit: int = 100) -> list[int]:
    """Groups received before the process knew its workspace (Slack unreachable at start-up)."""
    query = select(col(AlertGroupRow.id)).where(col(AlertGroupRow.team_id).is_(None)).limit(limit)
    return [int(found) for found in core(session).execute(query).scalars() if found is not None]


def adopt(*, session: Session, group_id: int, team_id: str) -> bool:
    """The group belongs to workspace `team_id` (once; False when another process adopted it first)."""
    statement = (
        update(AlertGroupRow)
        .where(col(AlertGroupRow.id) == group_id, col(AlertGroupRow.team_id).is_(None))
        .values(team_id=team_id)
    )
    return bool(core(session).execute(statement).rowcount)


def impact_began(*, session: Session, group_id: int) -> datetime | None:
    """When an incident declared from the group began: the earliest `startsAt` of its alerts
    firing (an alert resolved meanwhile is not what the incident is about); when none fires, when
    its earliest alert first fired."""
    firing = func.min(case((col(AlertRow.status) == AlertStatus.FIRING.value, AlertRow.starts_at)))
    query = (
        select(firing, func.min(AlertRow.first_fired_at))
        .join(AlertMemberRow, col(AlertMemberRow.alert_id) == col(AlertRow.id))
        .where(col(AlertMemberRow.group_id) == group_id)
    )
    fires, first = core(session).execute(query).one()
    found: datetime | None = fires or first
    return found


def incident_alerts(*, session: Session, incident_id: int) -> Counts | None:
    """The alerts of every group attached to the incident, each counted once by its state (None:
    no group is attached)."""
    query = (
        select(col(AlertRow.status), func.count(func.distinct(AlertRow.id)))
        .join(AlertMemberRow, col(AlertMemberRow.alert_id) == col(AlertRow.id))
        .join(AlertGroupRow, col(AlertGroupRow.id) == col(AlertMemberRow.group_id))
        .where(col(AlertGroupRow.incident_id) == incident_id)
        .group_by(col(AlertRow.status))
    )
    found = {str(status): int(count) for status, count in core(session).execute(query)}
    if not found:
        return None
    return Counts(firing=found.get(AlertStatus.FIRING.value, 0), resolved=found.get(AlertStatus.RESOLVED.value, 0))


def measure_alert_lag(*, session: Session, incident_id: int) -> None:
    """Store how long before the incident was opened the earliest alert attached to it first fired
    (0 when every alert came after: people saw it first)."""
    first = (
        select(func.min(AlertRow.first_fired_at))
        .join(AlertMemberRow, col(AlertMemberRow.alert_id) == col(AlertRow.id))
        .join(AlertGroupRow, col(AlertGroupRow.id) == col(AlertMemberRow.group_id))
        .where(col(AlertGroupRow.incident_id) == incident_id)
    )
    fired: datetime | None = core(session).execute(first).scalar()
    opened: datetime = (
        core(session).execute(select(col(IncidentRow.opened_at)).where(col(IncidentRow.id) == incident_id)).scalar_one()
    )
    lag = None if fired is None else max(0.0, (opened - fired).total_seconds())
    core(session).execute(update(IncidentRow).where(col(IncidentRow.id) == incident_id).values(alert_lag_seconds=lag))


def waiting_with_message(
    *, session: Session, team_id: str, limit: int, before: tuple[datetime, int] | None = None
) -> list[tuple[int, datetime]]:
    """The workspace's groups waiting for a decision whose message is posted, most recently seen
    first (the later id first when seen at once), each with when it was last seen; only those
    after `before` (when last seen, id) in that order when given: the next page."""
    query = select(col(AlertGroupRow.id), col(AlertGroupRow.last_seen_at)).where(
        col(AlertGroupRow.triage) == Triage.OPEN.value,  # the partial index's condition
        col(AlertGroupRow.team_id) == team_id,
        col(AlertGroupRow.message_ts).is_not(None),
    )
    if before is not None:
        seen, group_id = before
        query = query.where(
            or_(
                col(AlertGroupRow.last_seen_at) < seen,
                and_(col(AlertGroupRow.last_seen_at) == seen, col(AlertGroupRow.id) < group_id),
            )
        )
    query = query.order_by(col(AlertGroupRow.last_seen_at).desc(), col(AlertGroupRow.id).desc()).limit(limit)
    return [(int(found), seen) for found, seen in core(session).execute(query) if found is not None]
