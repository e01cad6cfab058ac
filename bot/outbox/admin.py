"""What `incident-bot outbox` reads and changes: the work not sent yet, and sending it again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.outbox.pause import check_now
from bot.outbox.store import DEAD, HELD, PAUSE_KIND
from bot.storage.effect_tables import EffectRow
from bot.storage.sql import core
from bot.storage.tables import IncidentRow

UNSENT = ("pending", HELD, DEAD)


@dataclass(frozen=True)
class Listed:
    """One effect as `incident-bot outbox` shows it."""

    id: int
    state: str  # pending | held | dead (given up) | done
    kind: str
    incident_number: int | None
    attempts: int
    created_at: datetime
    not_before: datetime
    last_error: str | None


def _listed(row: EffectRow, number: int | None) -> Listed:
    assert row.id is not None
    return Listed(
        id=row.id,
        state=row.state,
        kind=row.kind,
        incident_number=number,
        attempts=row.attempts,
        created_at=row.created_at,
        not_before=row.not_before,
        last_error=row.last_error,
    )


def _with_incident_number() -> Any:
    """Effects with their incident's number, leaving out the pause's own row (it is not work)."""
    return (
        select(EffectRow, IncidentRow.number)
        .outerjoin(IncidentRow, col(IncidentRow.id) == col(EffectRow.incident_id))
        .where(col(EffectRow.kind) != PAUSE_KIND)
    )


def unsent(*, session: Session) -> list[Listed]:
    """Pending, held and given-up work, oldest first."""
    query = _with_incident_number().where(col(EffectRow.state).in_(UNSENT)).order_by(col(EffectRow.id))
    return [_listed(row, number) for row, number in session.exec(query)]


def find(*, session: Session, effect_id: int) -> Listed | None:
    """One effect in any state; None when there is no such effect."""
    found = session.exec(_with_incident_number().where(col(EffectRow.id) == effect_id)).first()
    return None if found is None else _listed(*found)


def send_again(*, session: Session, now: datetime, effect_id: int | None = None) -> int:
    """Held or given-up work (one effect, or all of it) pending again, due now; returns how many.

    A paused outbox checks the token at once rather than at its next check.
    """
    query = update(EffectRow).where(col(EffectRow.state).in_((HELD, DEAD)))
    if effect_id is not None:
        query = query.where(col(EffectRow.id) == effect_id)
    changed = core(session).execute(
        query.values(state="pending", not_before=now, claimed_until=None, done_at=None).returning(col(EffectRow.id))
    )
    count = len(changed.all())
    if count:
        check_now(session=session, now=now)
    return count
