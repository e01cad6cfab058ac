"""The outbox in SQL: Slack work recorded with each change, claimed and sent after the ack.

Effects of one incident are sent strictly in the order they were recorded (the channel must
exist before the card is posted into it): only the oldest pending effect of an incident may
be claimed. Effects without an incident (opening a modal) are independent of each other.
A claim is a lease: a sender that dies mid-send loses it after `LEASE`, and another takes over.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from bot.effect_kinds import EffectKind
from bot.storage.repository import core
from bot.storage.tables import PENDING, EffectRow

LEASE = timedelta(seconds=120)
WORKER_LABEL_MAX = 64  # effect.claimed_by is VARCHAR(64), which PostgreSQL enforces and SQLite does not


@dataclass(frozen=True)
class Effect:
    id: int
    incident_id: int | None
    kind: EffectKind
    payload: dict[str, Any]
    attempts: int
    expires_at: datetime | None


def enqueue(
    *,
    session: Session,
    incident_id: int | None,
    kind: EffectKind,
    now: datetime,
    payload: dict[str, Any] | None = None,
    expires_at: datetime | None = None,
) -> None:
    session.add(
        EffectRow(
            incident_id=incident_id,
            kind=kind.value,
            payload=json.dumps(payload or {}, sort_keys=True),
            created_at=now,
            not_before=now,
            expires_at=expires_at,
        )
    )


def claimable(*, session: Session, now: datetime, limit: int = 20) -> list[int]:
    """Ids of effects that may be sent now: the head of each incident's queue, due, unleased."""
    heads = (
        select(func.min(EffectRow.id).label("id"))
        .where(EffectRow.state == "pending", col(EffectRow.incident_id).is_not(None))
        .group_by(col(EffectRow.incident_id))
    )
    free = or_(col(EffectRow.claimed_until).is_(None), col(EffectRow.claimed_until) < now)
    query = (
        select(EffectRow.id)
        .where(
            PENDING,  # the partial index's own condition, as a literal
            EffectRow.not_before <= now,
            free,
            or_(col(EffectRow.incident_id).is_(None), col(EffectRow.id).in_(heads)),
        )
        .order_by(col(EffectRow.not_before), col(EffectRow.id))
        .limit(limit)
    )
    return [int(i) for i in session.exec(query) if i is not None]


def claim(*, session: Session, effect_id: int, worker: str, now: datetime) -> Effect | None:
    """Lease one effect; None when another sender got it first.

    `worker` only labels the lease for people reading the table; a long host name is cut from
    the left, keeping the process and sender ids that tell senders apart."""
    free = or_(col(EffectRow.claimed_until).is_(None), col(EffectRow.claimed_until) < now)
    claimed = (
        core(session)
        .execute(
            update(EffectRow)
            .where(col(EffectRow.id) == effect_id, col(EffectRow.state) == "pending", free)
            .values(claimed_by=worker[-WORKER_LABEL_MAX:], claimed_until=now + LEASE)
            .returning(
                col(EffectRow.incident_id),
                col(EffectRow.kind),
                col(EffectRow.payload),
                col(EffectRow.attempts),
                col(EffectRow.expires_at),
            )
        )
        .first()
    )  # RETURNING, not rowcount: what the database says it updated, the same on every dialect
    if claimed is None:
        return None
    return Effect(
        id=effect_id,
        incident_id=claimed.incident_id,
        kind=EffectKind(claimed.kind),
        payload=json.loads(claimed.payload),
        attempts=claimed.attempts,
        expires_at=claimed.expires_at,
    )


def has_later(*, session: Session, effect: Effect) -> bool:
    """A later pending effect of the same kind for the same incident makes this one redundant."""
    query = select(EffectRow.id).where(
        EffectRow.incident_id == effect.incident_id,
        EffectRow.kind == effect.kind.value,
        EffectRow.state == "pending",
        col(EffectRow.id) > effect.id,
    )
    return session.exec(query.limit(1)).first() is not None


def mark_done(*, session: Session, effect_id: int, now: datetime, note: str | None = None) -> None:
    core(session).execute(
        update(EffectRow)
        .where(col(EffectRow.id) == effect_id)
        .values(state="done", done_at=now, claimed_until=None, last_error=note)
    )


def mark_failed(*, session: Session, effect_id: int, now: datetime, retry_at: datetime | None, error: str) -> None:
    """Try again at `retry_at`; with no `retry_at` the effect is given up (state `dead`)."""
    values: dict[str, Any] = {
        "attempts": EffectRow.attempts + 1,
        "claimed_until": None,
        "last_error": error[:500],
    }
    if retry_at is None:
        values.update(state="dead", done_at=now)
    else:
        values["not_before"] = retry_at
    core(session).execute(update(EffectRow).where(col(EffectRow.id) == effect_id).values(**values))


def pending_count(*, session: Session) -> int:
    query = select(func.count()).select_from(EffectRow).where(EffectRow.state == "pending")
    return int(session.exec(query).one())


def count_by_state(*, session: Session) -> dict[str, int]:
    """How many effects are in each state that is not done (for /metrics)."""
    query = select(EffectRow.state, func.count()).where(EffectRow.state != "done").group_by(col(EffectRow.state))
    return {str(state): int(count) for state, count in session.exec(query)}
