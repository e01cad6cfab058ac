"""Each incident's next-update schedule and the promises its published updates made, in SQL.

Flat functions on the caller's session, never committing (the service owns the transaction).
Every schedule write increments `reminder_version`; a reminder is claimed with a conditional
UPDATE on the version it was computed from (`claim`), with RETURNING (psycopg 3 reports no
reliable rowcount), so however many processes look at once, one of them sends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.domain.reminders import Promise, Schedule
from bot.storage.sql import core
from bot.storage.tables import OPEN, REMINDING, IncidentRow, PromiseRow


def _values(schedule: Schedule) -> dict[str, object]:
    return {**first_values(schedule), "reminder_version": IncidentRow.reminder_version + 1}


def first_values(schedule: Schedule) -> dict[str, object]:
    """The columns of a new incident's first schedule, written by the INSERT that makes its row
    (its first version: every schedule write counts one)."""
    return {
        "update_due": schedule.due,
        "update_due_since": schedule.since,
        "remind_at": schedule.remind_at,
        "reminders_sent": schedule.sent,
        "reminder_version": 1,
    }


def save_schedule(*, session: Session, incident_id: int, schedule: Schedule) -> int:
    """Store the incident's schedule; returns its new version (the key of a reminder's buttons)."""
    version = (
        core(session)
        .execute(
            update(IncidentRow)
            .where(col(IncidentRow.id) == incident_id)
            .values(**_values(schedule))
            .returning(col(IncidentRow.reminder_version))
        )
        .scalar_one()
    )
    return int(version)


def claim(*, session: Session, incident_id: int, version: int, schedule: Schedule) -> int | None:
    """Store `schedule` only if the incident is open and its schedule still is at `version`:
    the new version when this caller won the reminder, None when another got there first or the
    schedule changed meanwhile."""
    won = core(session).execute(
        update(IncidentRow)
        .where(col(IncidentRow.id) == incident_id, col(IncidentRow.reminder_version) == version, OPEN)
        .values(**_values(schedule))
        .returning(col(IncidentRow.reminder_version))
    )
    row = won.first()
    return int(row[0]) if row is not None else None


def due_ids(*, session: Session, team_id: str, now: datetime) -> list[int]:
    """Open incidents of the workspace whose next reminder time has come, earliest first
    (ix_incident_remind_at)."""
    query = (
        select(IncidentRow.id)
        .where(REMINDING, col(IncidentRow.remind_at) <= now, OPEN, col(IncidentRow.team_id) == team_id)
        .order_by(col(IncidentRow.remind_at))
    )
    return [int(incident_id) for incident_id in session.exec(query) if incident_id is not None]


def earliest(*, session: Session, team_id: str) -> datetime | None:
    """The earliest reminder time of any open incident of the workspace (None when nothing is scheduled)."""
    query = (
        select(IncidentRow.remind_at)
        .where(REMINDING, OPEN, col(IncidentRow.team_id) == team_id)
        .order_by(col(IncidentRow.remind_at))
        .limit(1)
    )
    return session.exec(query).first()


# --- promises --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredPromise:
    id: int
    promise: Promise


def add_promise(
    *, session: Session, incident_id: int, draft_id: int | None, made_at: datetime, promised_by: datetime
) -> int:
    row = PromiseRow(incident_id=incident_id, draft_id=draft_id, made_at=made_at, promised_by=promised_by)
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def outstanding(*, session: Session, incident_id: int) -> StoredPromise | None:
    """The latest promise no public update has answered yet."""
    query = (
        select(PromiseRow)
        .where(PromiseRow.incident_id == incident_id, col(PromiseRow.settled_at).is_(None))
        .order_by(col(PromiseRow.id).desc())
    )
    row = session.exec(query).first()
    return _promise(row) if row else None


def settle(*, session: Session, promise_id: int, at: datetime, draft_id: int | None) -> None:
    core(session).execute(
        update(PromiseRow).where(col(PromiseRow.id) == promise_id).values(settled_at=at, settled_by=draft_id)
    )


def promises(*, session: Session, incident_id: int, made_until: datetime | None = None) -> list[Promise]:
    """Every promise of the incident, oldest first (those made by `made_until`, when given)."""
    query = select(PromiseRow).where(PromiseRow.incident_id == incident_id).order_by(col(PromiseRow.id))
    if made_until is not None:
        query = query.where(col(PromiseRow.made_at) <= made_until)
    return [_promise(row).promise for row in session.exec(query)]


def _promise(row: PromiseRow) -> StoredPromise:
    assert row.id is not None
    return StoredPromise(
        id=row.id, promise=Promise(promised_by=row.promised_by, made_at=row.made_at, settled_at=row.settled_at)
    )
