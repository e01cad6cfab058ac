"""The outbox in SQL: Slack work recorded with each change, claimed and sent after the ack.

Effects of one incident are sent strictly in the order they were recorded (the channel must
exist before the card is posted into it): only the oldest pending effect of an incident may
be claimed. Effects without an incident (opening a modal) are independent of each other.
A claim is a lease: a sender that dies mid-send loses it after `LEASE`, and another takes over.

States: `pending` (to send), `done`, `dead` (given up), `held` (Slack refused the token or a
permission: kept, sent again once Slack accepts it). While work is held the outbox is paused by
one pending row of kind `outbox.auth_hold` (its `created_at` is when the refusals began, its
`not_before` the next check, its `last_error` Slack's error code): a pending row, so finding it
uses the pending index however large the table grows, and claiming it is an ordinary claim, so
one sender at a time checks. Held rows themselves have no index: they are looked for only by
that check (once a minute while paused), by the release, and by `incident-bot outbox`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, or_, update
from sqlmodel import Session, col, select

from bot.outbox.codec import decode, encode
from bot.outbox.kinds.auth_hold import AuthCheck
from bot.outbox.payload import Payload
from bot.storage.sql import core
from bot.storage.tables import PENDING, EffectRow

LEASE = timedelta(seconds=120)
WORKER_LABEL_MAX = 64  # effect.claimed_by is VARCHAR(64), which PostgreSQL enforces and SQLite does not
HELD = "held"
AUTH_HOLD = AuthCheck.kind


@dataclass(frozen=True)
class Effect:
    id: int
    incident_id: int | None
    payload: Payload
    attempts: int
    expires_at: datetime | None
    last_error: str | None = None  # why the previous attempt failed

    @property
    def kind(self) -> str:
        return self.payload.kind


_ENQUEUE = insert(EffectRow)


def enqueue(
    *,
    session: Session,
    incident_id: int | None,
    payload: Payload,
    now: datetime,
    expires_at: datetime | None = None,
) -> None:
    """Record Slack work for after the commit; `incident_id` None: not queued behind an incident's work."""
    enqueue_all(session=session, incident_id=incident_id, payloads=[payload], now=now, expires_at=expires_at)


def row(
    *, incident_id: int | None, payload: Payload, now: datetime, expires_at: datetime | None = None
) -> dict[str, Any]:
    """The outbox row that records `payload` as pending work (for a statement that inserts it)."""
    return {
        "incident_id": incident_id,
        "kind": payload.kind,
        "payload": encode(payload),
        "state": "pending",
        "attempts": 0,
        "created_at": now,
        "not_before": now,
        "expires_at": expires_at,
    }


def enqueue_all(
    *,
    session: Session,
    incident_id: int | None,
    payloads: Sequence[Payload],
    now: datetime,
    expires_at: datetime | None = None,
) -> None:
    """Record several pieces of Slack work at once, in this order (one statement, built once)."""
    rows = [row(incident_id=incident_id, payload=payload, now=now, expires_at=expires_at) for payload in payloads]
    if rows:
        core(session).execute(_ENQUEUE, rows)


@dataclass(frozen=True)
class Due:
    """An effect that may be sent now (`claimable`)."""

    id: int
    incident_id: int | None
    kind: str


def claimable(*, session: Session, now: datetime, limit: int = 20) -> list[Due]:
    """Effects that may be sent now: the head of each incident's queue, due, unleased."""
    heads = (
        select(func.min(EffectRow.id).label("id"))
        .where(EffectRow.state == "pending", col(EffectRow.incident_id).is_not(None))
        .group_by(col(EffectRow.incident_id))
    )
    free = or_(col(EffectRow.claimed_until).is_(None), col(EffectRow.claimed_until) < now)
    query = (
        select(EffectRow.id, EffectRow.incident_id, EffectRow.kind)
        .where(
            PENDING,  # the partial index's own condition, as a literal
            EffectRow.not_before <= now,
            free,
            or_(col(EffectRow.incident_id).is_(None), col(EffectRow.id).in_(heads)),
        )
        .order_by(col(EffectRow.not_before), col(EffectRow.id))
        .limit(limit)
    )
    return [Due(int(i), incident, kind) for i, incident, kind in session.exec(query) if i is not None]


_CLAIM_MANY = (
    update(EffectRow)
    .where(col(EffectRow.id).in_(bindparam("ids", expanding=True)), col(EffectRow.state) == "pending")
    .where(or_(col(EffectRow.claimed_until).is_(None), col(EffectRow.claimed_until) < bindparam("now")))
    .values(claimed_by=bindparam("worker"), claimed_until=bindparam("until"))
    .returning(
        col(EffectRow.id),
        col(EffectRow.incident_id),
        col(EffectRow.kind),
        col(EffectRow.payload),
        col(EffectRow.attempts),
        col(EffectRow.expires_at),
        col(EffectRow.last_error),
    )
)


def claim_many(*, session: Session, effect_ids: Sequence[int], worker: str, now: datetime) -> dict[int, Any]:
    """Lease, in one statement, every one of `effect_ids` that is still pending and unleased; the
    rows this sender got, by id (read each with `effect_of`). Those another sender holds are left
    to it: on PostgreSQL the statement waits for a row being claimed meanwhile, then skips it."""
    if not effect_ids:
        return {}
    values = {"ids": list(effect_ids), "now": now, "worker": worker[-WORKER_LABEL_MAX:], "until": now + LEASE}
    return {row.id: row for row in core(session).execute(_CLAIM_MANY, values)}


def effect_of(row: Any) -> Effect:
    """A claimed row as the sender sends it; raises `UnreadablePayload` for a row this version
    cannot read."""
    payload = decode(row.kind, row.payload)
    return Effect(row.id, row.incident_id, payload, row.attempts, row.expires_at, row.last_error)


def has_later(*, session: Session, effect: Effect) -> bool:
    """A later pending effect of the same kind for the same incident makes this one redundant."""
    query = select(EffectRow.id).where(
        EffectRow.incident_id == effect.incident_id,
        EffectRow.kind == effect.kind,
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
    query = (
        select(EffectRow.state, func.count())
        .where(EffectRow.state != "done", EffectRow.kind != AUTH_HOLD)  # the pause itself is no work
        .group_by(col(EffectRow.state))
    )
    return {str(state): int(count) for state, count in session.exec(query)}


# --- holding work while Slack refuses the token -----------------------------------------------


@dataclass(frozen=True)
class AuthHold:
    """The outbox is paused: Slack has refused the token (`error`) since `since`."""

    id: int
    since: datetime
    error: str
    next_check: datetime


def auth_hold(*, session: Session) -> AuthHold | None:
    """The pause, if any (the oldest, should two senders have started one at the same moment)."""
    query = select(EffectRow).where(PENDING, EffectRow.kind == AUTH_HOLD).order_by(col(EffectRow.id)).limit(1)
    row = session.exec(query).first()
    if row is None or row.id is None:
        return None
    return AuthHold(id=row.id, since=row.created_at, error=row.last_error or "refused", next_check=row.not_before)


def hold(*, session: Session, effect_id: int, now: datetime, error: str, check_at: datetime) -> bool:
    """Keep the effect as held work and pause the outbox until a check at `check_at`.

    True when this started the pause, False when the outbox was paused already.
    """
    mark_held(session=session, effect_id=effect_id, error=error)
    # Locked: a `release_held` running meanwhile either ends the pause first (then this one
    # starts a new pause) or waits and releases this effect too (PostgreSQL; SQLite serialises
    # writers anyway). Two senders holding at the very same moment may both start one: the
    # sender keeps the oldest (`EffectSender._check`).
    pause = select(EffectRow.id).where(PENDING, EffectRow.kind == AUTH_HOLD).limit(1).with_for_update()
    if session.exec(pause).first() is not None:
        return False
    session.add(EffectRow(kind=AUTH_HOLD, created_at=now, not_before=check_at, last_error=error[:500]))
    return True


def mark_held(*, session: Session, effect_id: int, error: str) -> None:
    """The effect failed again while held (or is held now): count it, keep it held."""
    core(session).execute(
        update(EffectRow)
        .where(col(EffectRow.id) == effect_id)
        .values(state=HELD, attempts=EffectRow.attempts + 1, claimed_until=None, last_error=error[:500])
    )


def postpone(*, session: Session, effect_id: int, until: datetime, error: str | None = None) -> None:
    """Check again at `until` (the pause's own row); `error` replaces the reason shown when given."""
    values: dict[str, Any] = {"attempts": EffectRow.attempts + 1, "not_before": until, "claimed_until": None}
    if error is not None:
        values["last_error"] = error[:500]
    core(session).execute(update(EffectRow).where(col(EffectRow.id) == effect_id).values(**values))


def oldest_held(*, session: Session) -> Effect | None:
    """The held effect to check the token with: the first to have been recorded."""
    row = session.exec(select(EffectRow).where(EffectRow.state == HELD).order_by(col(EffectRow.id)).limit(1)).first()
    if row is None or row.id is None:
        return None
    return effect_of(row)


def release_held(*, session: Session, now: datetime) -> int:
    """End the pause: every held effect is pending again, due now. Returns how many were held.

    The pause's row is updated (locked) first, so a `hold` racing with this either waits and
    then starts a new pause, or is seen held and released (see `hold`).
    """
    core(session).execute(
        update(EffectRow)
        .where(PENDING, col(EffectRow.kind) == AUTH_HOLD)
        .values(state="done", done_at=now, claimed_until=None)
    )
    released = core(session).execute(
        update(EffectRow)
        .where(col(EffectRow.state) == HELD)
        .values(state="pending", not_before=now, claimed_until=None)
        .returning(col(EffectRow.id))
    )
    return len(released.all())


def check_now(*, session: Session, now: datetime) -> None:
    """Make the pause's next check due now (the token was just accepted, or a person asked)."""
    core(session).execute(update(EffectRow).where(PENDING, col(EffectRow.kind) == AUTH_HOLD).values(not_before=now))
