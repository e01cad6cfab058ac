"""Drafts of public updates in SQL: stores and reads, decides nothing (the rules are in
`bot.domain.drafts`, the Slack work is queued by `bot.drafts`). Same conventions as the
repository: keyword-only session."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.domain.drafts import Draft, DraftRecord, DraftState
from bot.domain.incident import Attack, Status
from bot.storage import fan_outs, public
from bot.storage.sql import core
from bot.storage.tables import DraftRow


def insert(
    *, session: Session, incident_id: int, draft: Draft, actor: str, now: datetime, promises_by: datetime | None = None
) -> int:
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
        promises_by=promises_by,
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
        .where(DraftRow.incident_id == incident_id, DraftRow.state == DraftState.PROPOSED.value)
        .order_by(col(DraftRow.id))
    )
    return [_stored(row) for row in session.exec(query)]


def edit(*, session: Session, draft_id: int, text: str, actor: str, now: datetime) -> None:
    _set(session, draft_id, text=text, edited_by=actor, edited_at=now)


def publish(*, session: Session, draft_id: int, actor: str, now: datetime) -> None:
    _set(session, draft_id, state=DraftState.PUBLISHED.value, decided_by=actor, decided_at=now)


def correct(*, session: Session, draft_id: int, text: str, actor: str, now: datetime) -> None:
    """A published update's corrected words; the page shows them from this transaction on."""
    _set(session, draft_id, text=text, corrected_by=actor, corrected_at=now)
    public.changed(session=session, at=now)


def discard(*, session: Session, draft_id: int, actor: str, now: datetime) -> None:
    _set(session, draft_id, state=DraftState.DISCARDED.value, decided_by=actor, decided_at=now)
    fan_outs.wake_waiting(session=session, draft_id=draft_id, now=now)  # subscribers waiting for it


def mark_stale(*, session: Session, draft_id: int, reason: str, now: datetime) -> bool:
    """Stale, if still proposed when the row is written (False otherwise).

    On PostgreSQL (READ COMMITTED) a draft read as proposed may be published or discarded
    meanwhile, and that decision must stand."""
    staled = core(session).execute(
        update(DraftRow)
        .where(col(DraftRow.id) == draft_id, col(DraftRow.state) == DraftState.PROPOSED.value)
        .values(state=DraftState.STALE.value, state_reason=reason, decided_at=now)
        .returning(col(DraftRow.id))
    )
    if staled.first() is None:
        return False
    fan_outs.wake_waiting(session=session, draft_id=draft_id, now=now)  # subscribers waiting for it
    return True


def record_message(*, session: Session, draft_id: int, message_ts: str) -> None:
    """The draft's message in the incident channel, once Slack has it."""
    _set(session, draft_id, message_ts=message_ts)


def record_published(*, session: Session, draft_id: int, published_ts: str) -> None:
    """The draft's post in INCIDENT_STATUS_CHANNEL, once Slack has it."""
    _set(session, draft_id, published_ts=published_ts)


def _set(session: Session, draft_id: int, **values: object) -> None:
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
        state=DraftState(row.state),
        state_reason=row.state_reason,
        created_by=row.created_by,
        created_at=row.created_at,
        edited_by=row.edited_by,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        message_ts=row.message_ts,
        published_ts=row.published_ts,
        promises_by=row.promises_by,
        corrected_by=row.corrected_by,
        corrected_at=row.corrected_at,
    )


def published(*, session: Session, incident_id: int) -> list[DraftRecord]:
    """The incident's published updates, in the order they were published."""
    query = (
        select(DraftRow)
        .where(DraftRow.incident_id == incident_id, DraftRow.state == DraftState.PUBLISHED.value)
        .order_by(col(DraftRow.decided_at), col(DraftRow.id))
    )
    return [_stored(row) for row in session.exec(query)]
