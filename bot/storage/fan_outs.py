"""Fan-outs in SQL: a published update (or correction) still to be handed out to subscribers,
recorded in the transaction that publishes it and claimed, one sender at a time, with a lease."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import case, insert, literal, or_, update
from sqlmodel import Session, col, select

from bot.storage.deliveries import LEASE
from bot.storage.sql import core
from bot.storage.subscriber_tables import DUE_FAN_OUT, FanOutRow
from bot.storage.tables import DraftRow
from bot.storage.utc import UtcDateTime


@dataclass(frozen=True)
class FanOut:
    id: int
    draft_id: int
    kind: str  # update | correction
    created_at: datetime


def record(*, session: Session, draft_id: int, kind: str, now: datetime, not_before: datetime | None = None) -> None:
    core(session).execute(
        insert(FanOutRow).values(
            draft_id=draft_id, kind=kind, created_at=now, not_before=not_before or now, delivered=0
        )
    )


def claim_next(*, session: Session, worker: str, now: datetime) -> FanOut | None:
    """Lease the oldest due fan-out nobody holds (None: none is due)."""
    free = or_(col(FanOutRow.claimed_until).is_(None), col(FanOutRow.claimed_until) < now)
    query = (
        select(FanOutRow.id)
        .where(DUE_FAN_OUT, FanOutRow.not_before <= now, free)
        .order_by(col(FanOutRow.not_before), col(FanOutRow.id))
        .limit(1)
    )
    found = session.exec(query).first()
    if found is None:
        return None
    claimed = (
        core(session)
        .execute(
            update(FanOutRow)
            .where(col(FanOutRow.id) == found, DUE_FAN_OUT, free)
            .values(claimed_by=worker[-64:], claimed_until=now + LEASE)
            .returning(col(FanOutRow.id), col(FanOutRow.draft_id), col(FanOutRow.kind), col(FanOutRow.created_at))
        )
        .first()
    )
    if claimed is None:
        return None
    fan_out_id, draft_id, kind, created_at = claimed
    return FanOut(cast(int, fan_out_id), draft_id, kind, created_at)


def done(*, session: Session, fan_out_id: int, delivered: int, now: datetime) -> None:
    core(session).execute(
        update(FanOutRow)
        .where(col(FanOutRow.id) == fan_out_id)
        .values(done_at=now, claimed_until=None, delivered=FanOutRow.delivered + delivered)
    )


def later(*, session: Session, fan_out_id: int, at: datetime, delivered: int, worker: str, now: datetime) -> None:
    """Hand out the rest at `at` (subscribers waiting for their own language's text); at `now`
    when `wake_waiting` woke it while `worker` was handing it out (it planned with what it read
    before: the draft it waits for may have gone stale since)."""
    still_ours = col(FanOutRow.claimed_by) == worker[-64:]
    core(session).execute(
        update(FanOutRow)
        .where(col(FanOutRow.id) == fan_out_id)
        .values(
            not_before=case((still_ours, literal(at, UtcDateTime())), else_=literal(now, UtcDateTime())),
            claimed_by=None,
            claimed_until=None,
            delivered=FanOutRow.delivered + delivered,
        )
    )


def wake_waiting(*, session: Session, draft_id: int, now: datetime) -> None:
    """A draft stopped being proposed (stale, discarded): the fan-outs of its incident still waiting
    for a language's draft are due now, and decide again whether anyone still waits (FALLBACK_WAIT
    is for a draft that may yet be published, not for one that never will be). One being handed
    out is marked (its `claimed_by` cleared), so that its `later` does not put it off again."""
    incident = select(DraftRow.incident_id).where(col(DraftRow.id) == draft_id).scalar_subquery()
    drafts_of_incident = select(DraftRow.id).where(col(DraftRow.incident_id) == incident)
    waiting_or_handed_out = or_(col(FanOutRow.not_before) > now, col(FanOutRow.claimed_until) >= now)
    core(session).execute(
        update(FanOutRow)
        .where(DUE_FAN_OUT, waiting_or_handed_out, col(FanOutRow.draft_id).in_(drafts_of_incident))
        .values(
            not_before=case((col(FanOutRow.not_before) > now, literal(now, UtcDateTime())), else_=FanOutRow.not_before),
            claimed_by=None,
        )
    )


def next_due(*, session: Session) -> datetime | None:
    query = select(FanOutRow.not_before).where(DUE_FAN_OUT).order_by(col(FanOutRow.not_before)).limit(1)
    return session.exec(query).first()
