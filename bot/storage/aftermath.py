"""What outlives an incident in SQL: related incidents, follow-ups, the retrospective's state.

Stores and reads, decides nothing (rules: `bot.domain.aftermath`, `bot.domain.similarity`;
the Slack work: `bot.aftermath`). Keyword-only session, no commits, as in the repository.
Every write that may find its row already changed is a conditional statement with RETURNING,
so the answer is the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, delete, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.domain.retro import FollowUp, RelatedIncident, RetroState
from bot.storage.repository import StoredIncident, stored_incident
from bot.storage.sql import core, upsert
from bot.storage.tables import FollowUpRow, IncidentLinkRow, IncidentRow, WorkspaceRow


@dataclass(frozen=True)
class StoredFollowUp:
    incident_id: int
    follow_up: FollowUp
    team_id: str


# --- related incidents -----------------------------------------------------------------------


def link(*, session: Session, first_id: int, second_id: int, actor: str, now: datetime) -> bool:
    """Link two incidents; False when they already were."""
    return link_all(session=session, first_id=first_id, second_ids=[second_id], actor=actor, now=now) == 1


def link_all(*, session: Session, first_id: int, second_ids: Sequence[int], actor: str, now: datetime) -> int:
    """Link one incident to each of others, in one statement (the recurrence check at open links
    every similar earlier one: a round trip each was on the way to the new incident's channel);
    how many links are new (those that were already there are left as they are)."""
    pairs = [sorted((first_id, second_id)) for second_id in second_ids]
    if not pairs:
        return 0
    inserted = core(session).execute(
        upsert(session)(IncidentLinkRow)
        .values([{"first_id": low, "second_id": high, "linked_by": actor, "linked_at": now} for low, high in pairs])
        .on_conflict_do_nothing()
        .returning(col(IncidentLinkRow.first_id))
    )
    return len(inserted.all())


def unlink(*, session: Session, first_id: int, second_id: int) -> bool:
    """Unlink two incidents; False when they were not linked."""
    low, high = sorted((first_id, second_id))
    deleted = core(session).execute(
        delete(IncidentLinkRow)
        .where(col(IncidentLinkRow.first_id) == low, col(IncidentLinkRow.second_id) == high)
        .returning(col(IncidentLinkRow.first_id))
    )
    return deleted.first() is not None


def related(*, session: Session, incident_id: int) -> list[RelatedIncident]:
    """The incidents linked to this one, oldest impact first, with their stored total duration."""
    other = (
        select(IncidentLinkRow.second_id)
        .where(IncidentLinkRow.first_id == incident_id)
        .union(select(IncidentLinkRow.first_id).where(IncidentLinkRow.second_id == incident_id))
    )
    query = (
        select(IncidentRow)
        .where(col(IncidentRow.id).in_(other))
        .order_by(col(IncidentRow.impact_started_at), col(IncidentRow.id))
    )
    return [
        RelatedIncident(number=row.number, title=row.title, impact_started_at=row.impact_started_at, total=_total(row))
        for row in session.exec(query)
    ]


def begun_between(
    *, session: Session, team_id: str, since: datetime, until: datetime, other_than: int
) -> list[tuple[StoredIncident, timedelta | None]]:
    """Incidents of the workspace whose impact began in [since, until], other than one, with the
    total duration stored at their latest close: the candidates of the recurrence check (served
    by ix_incident_team_started)."""
    query = (
        select(IncidentRow)
        .where(
            IncidentRow.team_id == team_id,
            col(IncidentRow.impact_started_at) >= since,
            col(IncidentRow.impact_started_at) <= until,
            col(IncidentRow.id) != other_than,
        )
        .order_by(col(IncidentRow.impact_started_at), col(IncidentRow.id))
    )
    return [(stored_incident(row), _total(row)) for row in session.exec(query)]


def _total(row: IncidentRow) -> timedelta | None:
    if row.status != "resolved" or row.total_seconds is None:
        return None
    return timedelta(seconds=row.total_seconds)


# --- follow-ups ------------------------------------------------------------------------------


def add_follow_up(
    *,
    session: Session,
    team_id: str,
    incident_id: int,
    text: str,
    owner: str | None,
    due: date | None,
    actor: str,
    now: datetime,
) -> int:
    row = FollowUpRow(
        team_id=team_id,
        incident_id=incident_id,
        text=text,
        owner=owner,
        due=due,
        created_by=actor,
        created_at=now,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def get_follow_up(*, session: Session, team_id: str, follow_up_id: int) -> StoredFollowUp | None:
    row = session.exec(
        select(FollowUpRow).where(FollowUpRow.id == follow_up_id, FollowUpRow.team_id == team_id)
    ).first()
    return _follow_up(row) if row else None


def finish_follow_up(*, session: Session, follow_up_id: int, actor: str, now: datetime) -> bool:
    """Mark done; False when it already was (a second `followup done` changes nothing)."""
    done = core(session).execute(
        update(FollowUpRow)
        .where(col(FollowUpRow.id) == follow_up_id, col(FollowUpRow.done_at).is_(None))
        .values(done_by=actor, done_at=now)
        .returning(col(FollowUpRow.id))
    )
    return done.first() is not None


def follow_ups(*, session: Session, incident_id: int) -> list[FollowUp]:
    query = select(FollowUpRow).where(FollowUpRow.incident_id == incident_id).order_by(col(FollowUpRow.id))
    return [_follow_up(row).follow_up for row in session.exec(query)]


def claim_overdue_follow_ups(
    *, session: Session, team_id: str, today: date, reminded_before: datetime, now: datetime
) -> list[StoredFollowUp]:
    """The workspace's open follow-ups past their due date with an owner, not reminded since
    `reminded_before`, marked reminded in the same statement: two workers never remind the same
    follow-up twice."""
    claimed = core(session).execute(
        update(FollowUpRow)
        .where(
            col(FollowUpRow.team_id) == team_id,
            col(FollowUpRow.done_at).is_(None),
            col(FollowUpRow.owner).is_not(None),
            col(FollowUpRow.due) < today,
            or_(col(FollowUpRow.reminded_at).is_(None), col(FollowUpRow.reminded_at) < reminded_before),
        )
        .values(reminded_at=now)
        .returning(col(FollowUpRow.id))
    )
    ids = [row[0] for row in claimed]
    if not ids:
        return []
    rows = session.exec(select(FollowUpRow).where(col(FollowUpRow.id).in_(ids)).order_by(col(FollowUpRow.id)))
    return [_follow_up(row) for row in rows]


def _follow_up(row: FollowUpRow) -> StoredFollowUp:
    assert row.id is not None
    follow_up = FollowUp(id=row.id, text=row.text, owner=row.owner, due=row.due, done_at=row.done_at)
    return StoredFollowUp(incident_id=row.incident_id, follow_up=follow_up, team_id=row.team_id)


# --- the retrospective -----------------------------------------------------------------------


@dataclass(frozen=True)
class RetroStatus:
    state: RetroState
    note: str


def retro_status(*, session: Session, incident_id: int) -> RetroStatus:
    row = session.get_one(IncidentRow, incident_id)
    return RetroStatus(RetroState(row.retro_state), row.retro_note)


def decide_retro(*, session: Session, incident_id: int, state: RetroState, note: str, now: datetime) -> bool:
    """Mark the retrospective done or waived; False when it already was."""
    decided = core(session).execute(
        update(IncidentRow)
        .where(col(IncidentRow.id) == incident_id, col(IncidentRow.retro_state) == RetroState.PENDING.value)
        .values(retro_state=state.value, retro_note=note, retro_decided_at=now)
        .returning(col(IncidentRow.id))
    )
    return decided.first() is not None


def claim_retro_reminders(
    *, session: Session, team_id: str, resolved_after: datetime, resolved_before: datetime, now: datetime
) -> list[StoredIncident]:
    """The workspace's resolved incidents whose retrospective is still pending, resolved between
    the two times and never reminded: marked reminded in the same statement (one reminder,
    whatever the workers)."""
    claimed = core(session).execute(
        update(IncidentRow)
        .where(
            and_(
                col(IncidentRow.team_id) == team_id,
                col(IncidentRow.status) == "resolved",
                col(IncidentRow.retro_state) == RetroState.PENDING.value,
                col(IncidentRow.resolved_at) < resolved_before,
                col(IncidentRow.resolved_at) >= resolved_after,
                col(IncidentRow.retro_reminded_at).is_(None),
            )
        )
        .values(retro_reminded_at=now)
        .returning(col(IncidentRow.id))
    )
    ids = [row[0] for row in claimed]
    if not ids:
        return []
    return [stored_incident(row) for row in session.exec(select(IncidentRow).where(col(IncidentRow.id).in_(ids)))]


def linked_numbers(*, session: Session, team_id: str, since: datetime, until: datetime) -> list[tuple[int, int]]:
    """Pairs of related incidents (by number) whose impacts both began in [since, until)."""
    first = aliased(IncidentRow)
    second = aliased(IncidentRow)
    query = (
        select(first.number, second.number)
        .select_from(IncidentLinkRow)
        .join(first, col(first.id) == IncidentLinkRow.first_id)
        .join(second, col(second.id) == IncidentLinkRow.second_id)
        .where(
            first.team_id == team_id,
            col(first.impact_started_at) >= since,
            col(first.impact_started_at) < until,
            col(second.impact_started_at) >= since,
            col(second.impact_started_at) < until,
        )
    )
    return [(int(low), int(high)) for low, high in session.exec(query)]


def teams(*, session: Session) -> list[str]:
    """The Slack workspaces that have opened incidents here."""
    return sorted(session.exec(select(WorkspaceRow.team_id)))
