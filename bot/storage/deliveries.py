"""Deliveries in SQL: one message to one subscriber, recorded before it is sent and kept after.

The subscribers' queue (bot.outbox.subscribers): a pending row is due from `not_before`, claimed
with a lease (`claimed_until`, a column, never a lock held while the mail server or a receiver
answers), then sent, retried later or failed. Unique per (subscriber, key): whatever records a
delivery twice (two senders fanning out the same update, a retry after a crash) records it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import bindparam, delete, func, or_, update
from sqlmodel import Session, col, select

from bot.domain.subscribers import Reach
from bot.storage.sql import core, upsert
from bot.storage.subscriber_tables import DUE_DELIVERY, DeliveryRow

LEASE = timedelta(seconds=120)
PENDING, SENT, FAILED = "pending", "sent", "failed"


@dataclass(frozen=True)
class DueDelivery:
    """A claimed delivery, as the sender sends it."""

    id: int
    subscriber_id: int
    kind: str  # confirmation | update | correction
    incident_id: int | None
    draft_id: int | None
    attempts: int
    created_at: datetime
    last_error: str | None


def row(
    *,
    subscriber_id: int,
    medium: str,
    kind: str,
    key: str,
    now: datetime,
    incident_id: int | None = None,
    draft_id: int | None = None,
    not_before: datetime | None = None,
) -> dict[str, Any]:
    """A pending delivery, for `record`."""
    return {
        "subscriber_id": subscriber_id,
        "medium": medium,
        "kind": kind,
        "key": key,
        "incident_id": incident_id,
        "draft_id": draft_id,
        "state": PENDING,
        "attempts": 0,
        "created_at": now,
        "not_before": not_before or now,
    }


def record(*, session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Record these deliveries, skipping any already recorded (same subscriber and key); how many
    are new. One statement however many rows."""
    if not rows:
        return 0
    insert = upsert(session)(DeliveryRow).on_conflict_do_nothing(index_elements=["subscriber_id", "key"])
    return len(core(session).execute(insert.returning(col(DeliveryRow.id)), list(rows)).all())


def keyed(*, session: Session, key: str) -> set[int]:
    """The subscribers a delivery with this key was recorded for."""
    query = select(DeliveryRow.subscriber_id).where(DeliveryRow.key == key)
    return {int(subscriber_id) for subscriber_id in session.exec(query)}


def receivers(*, session: Session, draft_id: int) -> list[tuple[int, int | None]]:
    """Who was sent (or will be sent) this published text as an update: subscriber, incident."""
    query = select(DeliveryRow.subscriber_id, DeliveryRow.incident_id).where(
        DeliveryRow.draft_id == draft_id, DeliveryRow.kind == "update", DeliveryRow.state != FAILED
    )
    return [(int(subscriber_id), incident_id) for subscriber_id, incident_id in session.exec(query)]


def due(*, session: Session, medium: str, now: datetime, limit: int) -> list[int]:
    """Deliveries by `medium` that may be sent now, oldest first."""
    free = or_(col(DeliveryRow.claimed_until).is_(None), col(DeliveryRow.claimed_until) < now)
    query = (
        select(DeliveryRow.id)
        .where(DUE_DELIVERY, DeliveryRow.medium == medium, DeliveryRow.not_before <= now, free)
        .order_by(col(DeliveryRow.not_before), col(DeliveryRow.id))
        .limit(limit)
    )
    return [int(delivery_id) for delivery_id in session.exec(query) if delivery_id is not None]


_CLAIM = (
    update(DeliveryRow)
    .where(col(DeliveryRow.id).in_(bindparam("ids", expanding=True)), col(DeliveryRow.state) == PENDING)
    .where(or_(col(DeliveryRow.claimed_until).is_(None), col(DeliveryRow.claimed_until) < bindparam("now")))
    .values(claimed_by=bindparam("worker"), claimed_until=bindparam("until"))
    .returning(
        col(DeliveryRow.id),
        col(DeliveryRow.subscriber_id),
        col(DeliveryRow.kind),
        col(DeliveryRow.incident_id),
        col(DeliveryRow.draft_id),
        col(DeliveryRow.attempts),
        col(DeliveryRow.created_at),
        col(DeliveryRow.last_error),
    )
)


def claim(*, session: Session, ids: Sequence[int], worker: str, now: datetime) -> list[DueDelivery]:
    """Lease those of `ids` still pending and unleased, in one statement; the ones this sender got."""
    if not ids:
        return []
    values = {"ids": list(ids), "now": now, "worker": worker[-64:], "until": now + LEASE}
    claimed = [
        DueDelivery(cast(int, i), subscriber, kind, incident, draft, attempts, created, error)
        for i, subscriber, kind, incident, draft, attempts, created, error in core(session).execute(_CLAIM, values)
    ]
    return sorted(claimed, key=lambda delivery: delivery.id)


def mark_sent(*, session: Session, ids: Sequence[int], now: datetime) -> None:
    if ids:
        core(session).execute(
            update(DeliveryRow)
            .where(col(DeliveryRow.id).in_(list(ids)))
            .values(state=SENT, sent_at=now, claimed_until=None, attempts=DeliveryRow.attempts + 1, last_error=None)
        )


def mark_retry(*, session: Session, delivery_id: int, retry_at: datetime, error: str) -> None:
    core(session).execute(
        update(DeliveryRow)
        .where(col(DeliveryRow.id) == delivery_id)
        .values(not_before=retry_at, claimed_until=None, attempts=DeliveryRow.attempts + 1, last_error=error[:500])
    )


def postpone(*, session: Session, ids: Sequence[int], retry_at: datetime, error: str) -> None:
    """These wait together (the mail server is away): due again at `retry_at`, an attempt counted."""
    if ids:
        core(session).execute(
            update(DeliveryRow)
            .where(col(DeliveryRow.id).in_(list(ids)))
            .values(not_before=retry_at, claimed_until=None, attempts=DeliveryRow.attempts + 1, last_error=error[:500])
        )


def mark_failed(*, session: Session, ids: Sequence[int], now: datetime, error: str) -> None:
    """Never to be sent: given up (`failed`), the reason kept."""
    if ids:
        core(session).execute(
            update(DeliveryRow)
            .where(col(DeliveryRow.id).in_(list(ids)))
            .values(
                state=FAILED, sent_at=now, claimed_until=None, attempts=DeliveryRow.attempts + 1, last_error=error[:500]
            )
        )


def release(*, session: Session, ids: Sequence[int]) -> None:
    """Claimed but not sent: due again at once, no attempt counted."""
    if ids:
        core(session).execute(
            update(DeliveryRow).where(col(DeliveryRow.id).in_(list(ids))).values(claimed_by=None, claimed_until=None)
        )


def give_up_pending(*, session: Session, subscriber_id: int, now: datetime, error: str) -> None:
    """Everything still pending for this subscriber fails (it bounced, failed for a day, or left)."""
    core(session).execute(
        update(DeliveryRow)
        .where(col(DeliveryRow.subscriber_id) == subscriber_id, col(DeliveryRow.state) == PENDING)
        .values(state=FAILED, sent_at=now, claimed_until=None, last_error=error[:500])
    )


def reached(*, session: Session, draft_ids: Sequence[int]) -> dict[int, int]:
    """How many subscribers each of these published texts was delivered to so far."""
    if not draft_ids:
        return {}
    query = (
        select(DeliveryRow.draft_id, func.count())
        .where(col(DeliveryRow.draft_id).in_(list(draft_ids)), DeliveryRow.state == SENT)
        .group_by(col(DeliveryRow.draft_id))
    )
    return {int(draft_id): int(n) for draft_id, n in session.exec(query) if draft_id is not None}


def reach(*, session: Session, draft_id: int) -> Reach | None:
    """How many subscribers this published text was sent to, and how many it is still going to
    (None: it goes to nobody, or was never handed out); indexed by `ix_delivery_draft`."""
    query = (
        select(DeliveryRow.state, func.count())
        .where(DeliveryRow.draft_id == draft_id, DeliveryRow.state != FAILED)
        .group_by(col(DeliveryRow.state))
    )
    counted = {str(state): int(n) for state, n in session.exec(query)}
    if not counted:
        return None
    return Reach(sent=counted.get(SENT, 0), waiting=counted.get(PENDING, 0))


def waiting_drafts(*, session: Session, draft_ids: Sequence[int]) -> set[int]:
    """Those of these published texts still waiting to go to someone."""
    query = select(DeliveryRow.draft_id).where(col(DeliveryRow.draft_id).in_(list(draft_ids)), DUE_DELIVERY).distinct()
    return {int(draft_id) for draft_id in session.exec(query) if draft_id is not None}


def count_by_state(*, session: Session) -> dict[tuple[str, str, str], int]:
    """Deliveries per (medium, kind, state), for /metrics and `incident-bot subscribers`."""
    query = select(DeliveryRow.medium, DeliveryRow.kind, DeliveryRow.state, func.count()).group_by(
        col(DeliveryRow.medium), col(DeliveryRow.kind), col(DeliveryRow.state)
    )
    return {(str(medium), str(kind), str(state)): int(n) for medium, kind, state, n in session.exec(query)}


def pending_count(*, session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(DeliveryRow).where(DUE_DELIVERY)).one())


def next_due(*, session: Session, medium: str) -> datetime | None:
    """When the first pending delivery by `medium` is due (None: nothing pending)."""
    query = (
        select(DeliveryRow.not_before)
        .where(DUE_DELIVERY, DeliveryRow.medium == medium)
        .order_by(col(DeliveryRow.not_before))
        .limit(1)
    )
    return session.exec(query).first()


def forget_subscriber(*, session: Session, subscriber_id: int) -> None:
    core(session).execute(delete(DeliveryRow).where(col(DeliveryRow.subscriber_id) == subscriber_id))
