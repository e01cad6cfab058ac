"""Drafts of public updates in SQL. Same conventions as the repository: keyword-only session."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.domain.drafts import Draft, DraftRecord, stale_reason
from bot.domain.incident import Attack, Incident, Status
from bot.storage.repository import core
from bot.storage.tables import DraftRow


def insert(*, session: Session, incident_id: int, draft: Draft, actor: str, now: datetime) -> int:
    row = DraftRow(
        incident_id=incident_id,
        status=draft.status.value,
        attack=draft.attack.value,
        language=draft.language,
        length=draft.length,
        text=draft.text,
        warnings=json.dumps(list(draft.warnings)),
        created_by=actor,
        created_at=now,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def get(*, session: Session, draft_id: int, for_update: bool = False) -> DraftRecord | None:
    query = select(DraftRow).where(DraftRow.id == draft_id)
    row = session.exec(query.with_for_update() if for_update else query).first()
    return _stored(row) if row else None


def proposed(*, session: Session, incident_id: int) -> list[DraftRecord]:
    query = (
        select(DraftRow)
        .where(DraftRow.incident_id == incident_id, DraftRow.state == "proposed")
        .order_by(col(DraftRow.id))
    )
    return [_stored(row) for row in session.exec(query)]


def change(*, session: Session, draft_id: int, **values: Any) -> None:
    core(session).execute(update(DraftRow).where(col(DraftRow.id) == draft_id).values(**values))


def _stored(row: DraftRow) -> DraftRecord:
    assert row.id is not None
    return DraftRecord(
        id=row.id,
        incident_id=row.incident_id,
        status=Status(row.status),
        attack=Attack(row.attack),
        language=row.language,
        length=row.length,
        text=row.text,
        warnings=tuple(json.loads(row.warnings)),
        state=row.state,
        state_reason=row.state_reason,
        created_by=row.created_by,
        created_at=row.created_at,
        edited_by=row.edited_by,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        message_ts=row.message_ts,
        published_ts=row.published_ts,
    )


def mark_stale(*, session: Session, incident_id: int, incident: Incident, now: datetime) -> list[int]:
    """After a change of status or assessment, proposed drafts that no longer fit become stale;
    returns their ids (their messages in the channel must show it).

    Only drafts still proposed when the row is written: on PostgreSQL (READ COMMITTED) a draft
    listed here may be published or discarded meanwhile, and that decision must stand."""
    staled: list[int] = []
    for draft in proposed(session=session, incident_id=incident_id):
        reason = stale_reason(draft.status, draft.attack, incident)
        if not reason:
            continue
        changed = core(session).execute(
            update(DraftRow)
            .where(col(DraftRow.id) == draft.id, col(DraftRow.state) == "proposed")
            .values(state="stale", state_reason=reason, decided_at=now)
            .returning(col(DraftRow.id))
        )
        if changed.first() is not None:
            staled.append(draft.id)
    return staled
