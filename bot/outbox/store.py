"""The outbox in SQL: effects recorded with each change, claimed and sent after the ack.

An incident's effects go in lanes, in the order they are recorded; what may be sent now and
who sends it is `bot.outbox.claims`.

States: `pending` (to send), `done`, `dead` (given up), `held` (Slack refused the token or a
permission: kept, sent again once Slack accepts it; `bot.outbox.pause`). Held rows have no index:
only the pause's check (once a minute while paused), its end and `incident-bot outbox` look for
them. One row is not an effect: the pause's own (`PAUSE_KIND`), pending while the outbox is paused.
An attempt's outcome (`mark_done`, `mark_failed`, `mark_held`) is recorded only on effects still
its sender's (`_still_ours`): a sender whose lease ran out never undoes what another did since.

Every row belongs to a workspace (`team_id`: its incident's, else the one given): a sender claims
only its token's workspace's (auth.test's team). The App Home's kinds have a sender of their own
(`bot.outbox.home_queue`); work that `shows_on_home` asks for the Homes to be published again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, and_, bindparam, case, func, insert, literal, or_, update
from sqlmodel import Session, col, select

from bot.outbox import wakes
from bot.outbox.codec import encode
from bot.outbox.effect import Effect
from bot.outbox.failures import MAYBE_SENT, failed_ambiguously
from bot.storage import home
from bot.storage.effect_tables import EffectRow
from bot.storage.sql import core
from bot.storage.tables import IncidentRow

HELD = "held"
DEAD = "dead"  # given up
PAUSE_KIND = "outbox.auth_hold"  # the token pause's own row (stored: never change it)
WORKER_LABEL_MAX = 64  # effect.claimed_by is VARCHAR(64), which PostgreSQL enforces and SQLite does not


def worker_label(worker: str) -> str:
    """How a sender is stored in `effect.claimed_by` and compared with it: the last
    `WORKER_LABEL_MAX` characters of its name (the process id and the sender's own id kept)."""
    return worker[-WORKER_LABEL_MAX:]


_ENQUEUE = insert(EffectRow)
# Work queued behind an incident belongs to the incident's workspace, read in the same statement.
_ENQUEUE_BEHIND = insert(EffectRow).values(
    team_id=select(IncidentRow.team_id).where(col(IncidentRow.id) == bindparam("behind")).scalar_subquery()
)


def enqueue(
    *,
    session: Session,
    incident_id: int | None,
    effect: Effect,
    now: datetime,
    expires_at: datetime | None = None,
    team_id: str | None = None,
) -> None:
    """Record Slack work for after the commit; `incident_id` None: not queued behind an incident's
    work, and then `team_id` says whose it is (an incident's work is its workspace's)."""
    enqueue_all(
        session=session, incident_id=incident_id, effects=[effect], now=now, expires_at=expires_at, team_id=team_id
    )


def row(
    *, incident_id: int | None, effect: Effect, now: datetime, team_id: str | None, expires_at: datetime | None = None
) -> dict[str, Any]:
    """The outbox row that records `effect` as pending work of workspace `team_id` (for a
    statement that inserts it). Every row is made here, so here the request says which sender it
    fed (`bot.outbox.wakes`: the ack wakes that one)."""
    wakes.feed(effect.own_sender, incident_id, effect.kind)
    group = getattr(effect, "alert_group_id", None)  # a field of that name queues it behind its group
    return {
        "incident_id": incident_id,
        "team_id": team_id,
        "alert_group_id": group if isinstance(group, int) else None,
        "kind": effect.kind,
        "lane": effect.lane,
        "after_lane": effect.after,
        "payload": encode(effect),
        "state": "pending",
        "attempts": 0,
        "created_at": now,
        "not_before": now,
        "expires_at": expires_at,
    }


def refresh_homes(
    *, session: Session, now: datetime, incident_id: int | None = None, team_id: str | None = None
) -> None:
    """A change shows on the App Homes: ask for them to be published again (`home.request_refresh`),
    and say so to the App Home's sender (`bot.outbox.wakes`), which the ack then wakes."""
    home.request_refresh(session=session, now=now, incident_id=incident_id, team_id=team_id)
    wakes.feed(wakes.HOME)


def unleased(now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    """Claimed by no sender at `now`: never leased, or its lease ran out (a claim is a lease,
    `bot.outbox.claims`)."""
    return or_(col(EffectRow.claimed_until).is_(None), col(EffectRow.claimed_until) < now)


def enqueue_all(
    *,
    session: Session,
    incident_id: int | None,
    effects: Sequence[Effect],
    now: datetime,
    expires_at: datetime | None = None,
    team_id: str | None = None,
) -> None:
    """Record several effects at once, in this order (one statement, built once); of the
    incident's workspace, or of `team_id` for work of no incident."""
    if incident_id is None and team_id is None:
        raise TypeError("work of no incident needs the team_id of the workspace it belongs to")
    rows = [
        row(incident_id=incident_id, effect=effect, now=now, expires_at=expires_at, team_id=team_id)
        for effect in effects
    ]
    if not rows:
        return
    if any(effect.shows_on_home for effect in effects):
        refresh_homes(session=session, now=now, incident_id=incident_id, team_id=team_id)
    if incident_id is None:
        core(session).execute(_ENQUEUE, rows)
        return
    for each in rows:
        del each["team_id"]
        each["behind"] = incident_id
    core(session).execute(_ENQUEUE_BEHIND, rows)


def waiting_in_group(*, session: Session, alert_group_id: int, kind: str, now: datetime) -> bool:
    """Whether an effect of `kind` waits in the group's own queue, pending and claimed by no sender:
    it will read the group when it is sent, so a change made now needs no effect of its own. Its
    row is locked until the caller commits (PostgreSQL), so no sender claims it meanwhile and then
    reads the group as it was before the change (SQLite has one writer at a time)."""
    query = (
        select(EffectRow.id)
        .where(
            EffectRow.alert_group_id == alert_group_id,
            col(EffectRow.incident_id).is_(None),
            EffectRow.kind == kind,
            EffectRow.state == "pending",
            unleased(now),
        )
        .limit(1)
        .with_for_update()
    )
    return session.exec(query).first() is not None


def waiting(*, session: Session, incident_id: int, kind: str) -> bool:
    """Work of this kind for the incident is still to be sent (pending, or held while Slack refuses the token)."""
    query = select(EffectRow.id).where(
        EffectRow.incident_id == incident_id, EffectRow.kind == kind, col(EffectRow.state).in_(("pending", HELD))
    )
    return session.exec(query.limit(1)).first() is not None


def settle_waiting(*, session: Session, team_id: str, kind: str, now: datetime, note: str) -> None:
    """Settle, unsent, the workspace's pending effects of `kind` of no incident that no sender has
    claimed: pointless now (`note` says why)."""
    core(session).execute(
        update(EffectRow)
        .where(
            col(EffectRow.team_id) == team_id,
            col(EffectRow.kind) == kind,
            col(EffectRow.incident_id).is_(None),
            col(EffectRow.state) == "pending",
            unleased(now),
        )
        .values(state="done", done_at=now, last_error=note)
    )


def settle_once(*, session: Session, effect_id: int, now: datetime, note: str) -> bool:
    """Done, in the caller's transaction, the effect whose work that transaction does (its row locked
    until it commits); False when it was done already: sent again after a crash that came after."""
    done = core(session).execute(
        update(EffectRow)
        .where(col(EffectRow.id) == effect_id, col(EffectRow.state) == "pending")
        .values(state="done", done_at=now, claimed_until=None, last_error=note)
    )
    return done.rowcount > 0


def mark_done(
    *, session: Session, effect_ids: Sequence[int], now: datetime, worker: str, note: str | None = None
) -> set[int]:
    """Sent by `worker` (or settled without sending): done, with `note` kept for `incident-bot
    outbox`; only those still `worker`'s to record (`_still_ours`). Returns the ids it marked
    (`UPDATE ... RETURNING`), their rows locked until the caller commits: what Slack answered is
    kept (`Result.remember`) only for those, in the same transaction."""
    marked = core(session).execute(
        update(EffectRow)
        .where(_still_ours(effect_ids, worker))
        .values(state="done", done_at=now, claimed_until=None, last_error=note)
        .returning(col(EffectRow.id))
    )
    return {int(row.id) for row in marked}


def still_ours(*, session: Session, effect_id: int, worker: str) -> bool:
    """Whether `worker`'s attempt at the effect may still record what it did (`_still_ours`), the
    row locked until the caller commits (PostgreSQL; SQLite has one writer at a time): no other
    sender claims it between this answer and what the caller writes on the strength of it (a step
    of the send, `bot.outbox.steps`)."""
    query = select(EffectRow.id).where(_still_ours([effect_id], worker)).with_for_update()
    return session.exec(query).first() is not None


def mark_failed(
    *, session: Session, effect_ids: Sequence[int], now: datetime, worker: str, retry_at: datetime | None, error: str
) -> None:
    """`worker`'s attempt failed: try again at `retry_at`; with no `retry_at` the effects are given
    up (state `dead`); only those still `worker`'s to record (`_still_ours`)."""
    values: dict[str, Any] = {
        "attempts": EffectRow.attempts + 1,
        "claimed_until": None,
        "last_error": _still_maybe_sent(error),
    }
    if retry_at is None:
        values.update(state=DEAD, done_at=now)
    else:
        values["not_before"] = retry_at
    core(session).execute(update(EffectRow).where(_still_ours(effect_ids, worker)).values(**values))


def mark_held(*, session: Session, effect_ids: Sequence[int], worker: str, error: str) -> None:
    """Slack refused the token to `worker`: the effects are held (again), their attempt counted;
    only those still `worker`'s to record (`_still_ours`)."""
    core(session).execute(
        update(EffectRow)
        .where(_still_ours(effect_ids, worker))
        .values(state=HELD, attempts=EffectRow.attempts + 1, claimed_until=None, last_error=_still_maybe_sent(error))
    )


def _still_ours(effect_ids: Sequence[int], worker: str) -> ColumnElement[bool]:
    """The effects whose outcome `worker`'s attempt is to record, with what Slack answered it
    (`mark_done`, `still_ours`): not finished (pending, or held: the token pause's check, which
    marks the held effect it sends as its own, `pause.check`), and claimed by `worker`, or by
    nobody since (given back unsent). A lease that ran out without another sender claiming the
    effect still records (it was sent: done, or it would be sent twice); one another sender
    claimed since is that sender's, and one done or given up stays so: a stale outcome never makes
    a sent effect held (sent again once the token is back) or dead, nor clears the lease of the
    sender now sending it (a third would claim it and send it again), nor writes what Slack
    answered it (a card's `ts`, a channel) over what the sender that took over stored."""
    claimer = col(EffectRow.claimed_by)
    return and_(
        col(EffectRow.id).in_(effect_ids),
        col(EffectRow.state).in_(("pending", HELD)),
        or_(claimer == worker_label(worker), claimer.is_(None)),
    )


def _still_maybe_sent(error: str) -> Any:
    """The error an attempt failed with, stored (`last_error`) still saying that the effect may
    have reached Slack when an earlier attempt may have (`failures.MAYBE_SENT`): an attempt that
    failed before it could look (a 503, a refused token) settles nothing, and the next one must
    look for what an earlier one posted before posting again (a second card)."""
    if failed_ambiguously(error):
        return error[:500]
    return case(
        (col(EffectRow.last_error).startswith(MAYBE_SENT), literal(f"{MAYBE_SENT}{error}"[:500])),
        else_=literal(error[:500]),
    )


def pending_count(*, session: Session, team_id: str | None = None) -> int:
    """Pending effects, of workspace `team_id` only when given (the work this process can send)."""
    query = select(func.count()).select_from(EffectRow).where(EffectRow.state == "pending")
    if team_id is not None:
        query = query.where(EffectRow.team_id == team_id)
    return int(session.exec(query).one())


def count_by_state(*, session: Session) -> dict[str, int]:
    """How many effects are in each state that is not done (for /metrics)."""
    query = (
        select(EffectRow.state, func.count())
        .where(EffectRow.state != "done", EffectRow.kind != PAUSE_KIND)  # the pause itself is no work
        .group_by(col(EffectRow.state))
    )
    return {str(state): int(count) for state, count in session.exec(query)}
