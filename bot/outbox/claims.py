"""Claiming the outbox's work: what may be sent now, leased to one sender at a time.

Effects of one incident go in lanes (`Effect.lane`, stored in the row's `lane`): an effect may be
claimed once no effect of its incident recorded before it is still pending in its own lane, in
the lane it waits for (`after_lane`: the channel's creation before anything in the channel), or
without a lane; an effect without a lane waits for everything recorded before it. So the lines
of the timeline go in the order they happened and the card's updates after the card, while the
invite, the topic and the card go side by side once the channel exists. A lane apart
(`registry.APART_LANES`: PagerDuty's events) waits only for its own lane, and nothing in no lane
waits for it: another service's outage holds back none of the incident's Slack work, nor Slack's
its events, which still go in the order recorded (a resolve never before its trigger). Its kinds
have a sender of their own (`Effect.own_sender`: PagerDuty's thread), which claims through this
same statement with its kinds only (`claimable_by`), so the lane's order is kept
however many processes send; the Slack sender never claims them. A pending effect blocks
(one being sent, one waiting for its retry); a given up one does not (what waited for it is
sent, gives up in turn if it cannot do without). A group of alerts' effects with no incident
go in the order recorded (its triage message posted before it is edited, never twice:
`alert_group_id`); other effects without an incident (a modal) are independent. A group's first
message (`Effect.posts_first`, its group not posted yet) goes before every other due effect: a
new alert's message is not left behind the edits of older groups' messages (their channel's pace
lets one go at a time), while each group's own work keeps its order.

A claim is a lease: a sender that dies mid-send loses it after `LEASE`, and another takes over.
Claiming an effect of a `batched` kind claims its batch: that kind's effects queued right behind
it in its lane, sent as one, settled in one statement (only a lane's first is claimable: none can
take the rest). Whether a claimed effect is still worth sending: `bot.outbox.worth`. What was
recorded and how it is settled: `bot.outbox.store`."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, and_, bindparam, case, func, or_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.outbox.codec import UnreadablePayload, decode
from bot.outbox.effect import Effect
from bot.outbox.registry import APART_LANES, OWN_SENDERS, POSTS_FIRST, SENT_APART
from bot.outbox.store import PAUSE_KIND, unleased, worker_label
from bot.storage.db import Database
from bot.storage.effect_tables import PENDING, EffectRow
from bot.storage.sql import core
from bot.storage.tables import AlertGroupRow

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=120)
MAX_BATCH = 100  # effects claimed and sent as one batch at most (the messages they make are cut at Slack's limits)


@dataclass(frozen=True)
class Claimed:
    """An effect as the sender holds it: the row's id, incident, attempts so far, expiry and the
    reason its previous attempt failed, with the effect itself."""

    id: int
    incident_id: int | None
    effect: Effect
    attempts: int
    expires_at: datetime | None
    last_error: str | None = None  # why the previous attempt failed
    alert_group_id: int | None = None  # the group of alerts whose queue it is in (none: its incident's)
    lane: str | None = None  # as recorded (None: in order with all of its incident's work)
    after_lane: str | None = None
    claimed_until: datetime | None = None  # the lease's end (None: not claimed, a held effect checked)

    @property
    def kind(self) -> str:
        return self.effect.kind


@dataclass(frozen=True)
class Due:
    """An effect that may be sent now (`claimable`)."""

    id: int
    incident_id: int | None
    kind: str


_EARLIER = aliased(EffectRow)


def _not_apart(lane: Any) -> ColumnElement[bool]:
    """The lane (None too) is not one apart (`APART_LANES`)."""
    return func.coalesce(lane, "").not_in(sorted(APART_LANES))


def _blocking(*also: ColumnElement[bool]) -> Any:
    """An earlier effect of the same incident, still pending, that `EffectRow` must wait for: one
    of its lane or of the lane it waits for, or one in no lane; anything, for an effect in no lane;
    but nothing in no lane for one in a lane apart, nor anything in a lane apart for one in no lane.
    `also`: what else such an effect must be (`claim_ahead`: not of the lane being settled)."""
    return (
        select(_EARLIER.id)
        .where(
            _EARLIER.incident_id == EffectRow.incident_id,
            col(_EARLIER.state) == "pending",
            col(_EARLIER.id) < EffectRow.id,
            or_(
                col(_EARLIER.lane) == col(EffectRow.lane),
                col(_EARLIER.lane) == col(EffectRow.after_lane),
                and_(
                    or_(col(EffectRow.lane).is_(None), col(_EARLIER.lane).is_(None)),
                    _not_apart(EffectRow.lane),
                    _not_apart(_EARLIER.lane),
                ),
            ),
            *also,
        )
        .correlate(EffectRow)
        .exists()
    )


_BLOCKED = _blocking()


# A group's first message: its kind posts it first (`POSTS_FIRST`), in the group's own queue, and
# the group has no message yet. Ordered before everything else (0), the rest as recorded (1).
_UNPOSTED = (
    select(AlertGroupRow.id)
    .where(col(AlertGroupRow.id) == EffectRow.alert_group_id, col(AlertGroupRow.message_ts).is_(None))
    .correlate(EffectRow)
    .exists()
)
_FIRST_MESSAGES_FIRST = case(
    (and_(col(EffectRow.kind).in_(sorted(POSTS_FIRST)), col(EffectRow.incident_id).is_(None), _UNPOSTED), 0),
    else_=1,
)


def claimable(
    *, session: Session, team_id: str, now: datetime, limit: int = 20, skip_kinds: Sequence[str] = ()
) -> list[Due]:
    """Workspace `team_id`'s effects that may be sent now: due, unleased, the first of their
    incident's lane and waiting for nothing recorded before them (the module's docstring), or the
    first of each alert group's queue, a group's first message before anything else; none of
    `skip_kinds` (held back by their channel's pace); none a sender of its own sends (the Slack
    sender's)."""
    return _claimable(session, team_id, now, limit, skip_kinds, incident_id=None, own_sender=None)


def claimable_by(own_sender: str, *, session: Session, team_id: str, now: datetime, limit: int = 20) -> list[Due]:
    """`claimable`, of the kinds `own_sender` sends only (`Effect.own_sender`: PagerDuty's events,
    the first of each incident's lane apart, in order)."""
    return _claimable(session, team_id, now, limit, (), incident_id=None, own_sender=own_sender)


def _claimable(
    session: Session,
    team_id: str,
    now: datetime,
    limit: int,
    skip_kinds: Sequence[str],
    *,
    incident_id: int | None,
    own_sender: str | None,
) -> list[Due]:
    if own_sender is None:  # the Slack sender's: not the App Home's nor PagerDuty's
        kinds = [PAUSE_KIND, *SENT_APART, *skip_kinds]
    else:
        kinds = sorted(OWN_SENDERS.get(own_sender, frozenset()) - set(skip_kinds))
    values = {"team": team_id, "incident": incident_id, "now": now, "limit": limit, "kinds": kinds}
    rows = core(session).execute(_claimable_query(incident_id is not None, own_sender is not None), values)
    return [Due(int(i), incident, kind) for i, incident, kind in rows if i is not None]


@cache
def _claimable_query(of_incident: bool, own_kinds: bool) -> Any:
    """`_claimable`'s statement (of one incident's work or of all; of `kinds` or of every kind but
    them), built once: building it each round cost more than running it."""
    team = col(EffectRow.team_id) == bindparam("team")  # not a column's name: the UPDATE of `claim_let_go`
    pending: list[ColumnElement[bool]] = [col(EffectRow.state) == "pending", team]
    if of_incident:  # that incident's only, in the lanes' firsts and in the answer
        pending.append(col(EffectRow.incident_id) == bindparam("incident"))
    firsts = (
        select(func.min(EffectRow.id).label("id"))
        .where(*pending, col(EffectRow.incident_id).is_not(None))
        .group_by(col(EffectRow.incident_id), col(EffectRow.lane))
    )
    group_firsts = (
        select(func.min(EffectRow.id).label("id"))
        .where(*pending, col(EffectRow.incident_id).is_(None), col(EffectRow.alert_group_id).is_not(None))
        .group_by(col(EffectRow.alert_group_id))
    )
    now: BindParameter[datetime] = bindparam("now")
    free = unleased(now)
    alone = and_(col(EffectRow.incident_id).is_(None), col(EffectRow.alert_group_id).is_(None))
    listed: BindParameter[list[str]] = bindparam("kinds", expanding=True)
    kinds = col(EffectRow.kind).in_(listed) if own_kinds else col(EffectRow.kind).not_in(listed)
    return (
        select(col(EffectRow.id), col(EffectRow.incident_id), col(EffectRow.kind))
        .where(
            PENDING,  # the partial index's own condition, as a literal
            *pending[1:],
            col(EffectRow.not_before) <= now,
            free,
            or_(alone, and_(col(EffectRow.id).in_(firsts), ~_BLOCKED), col(EffectRow.id).in_(group_firsts)),
            kinds,
        )
        .order_by(_FIRST_MESSAGES_FIRST, col(EffectRow.not_before), col(EffectRow.id))
        .limit(bindparam("limit"))
    )


# What `claimed` reads of a row: what a statement that takes effects to send returns.
CLAIMED_COLUMNS = (
    col(EffectRow.id),
    col(EffectRow.incident_id),
    col(EffectRow.kind),
    col(EffectRow.payload),
    col(EffectRow.attempts),
    col(EffectRow.expires_at),
    col(EffectRow.last_error),
    col(EffectRow.alert_group_id),
    col(EffectRow.lane),
    col(EffectRow.after_lane),
    col(EffectRow.claimed_until),
)


def _lease(ids: Any) -> Any:
    """Lease the effects `ids` names that are still pending and unleased, returning their rows: the
    guard that keeps two senders from holding one effect (on PostgreSQL an UPDATE that finds a row
    another sender is claiming waits for it, then checks the guard again on what it committed)."""
    return (
        update(EffectRow)
        .where(col(EffectRow.id).in_(ids), col(EffectRow.state) == "pending")
        .where(unleased(bindparam("now")))
        .values(claimed_by=bindparam("worker"), claimed_until=bindparam("until"))
        .returning(*CLAIMED_COLUMNS)
    )


_CLAIM_MANY = _lease(bindparam("ids", expanding=True))


@cache
def _claim_let_go_query() -> Any:
    """`claimable`'s statement, of one incident's work, as the ids an UPDATE leases, built once."""
    return _lease(_claimable_query(True, False).with_only_columns(col(EffectRow.id)).correlate(None))


def claim_let_go(
    *,
    session: Session,
    team_id: str,
    now: datetime,
    incident_id: int,
    limit: int,
    worker: str,
    skip_kinds: Sequence[str],
) -> list[Any]:
    """What the work of incident `incident_id` just settled let go, leased in one statement:
    what `claimable` lists of it (at most `limit`, none of `skip_kinds`) that is still pending and
    unleased, their rows in the order recorded (read each with `claimed`). One round trip where
    reading, then leasing took two; an effect another sender claimed meanwhile stays its."""
    values = {
        "team": team_id,
        "incident": incident_id,
        "now": now,
        "limit": limit,
        "kinds": [PAUSE_KIND, *SENT_APART, *skip_kinds],
        "worker": worker_label(worker),
        "until": now + LEASE,
    }
    return sorted(core(session).execute(_claim_let_go_query(), values), key=lambda row: int(row.id))


@cache
def _claim_ahead_query() -> Any:
    """`claim_ahead`'s statement, built once: the ids of `kinds` of one incident, due, unleased,
    waiting for the lane being settled and for nothing else, as an UPDATE leases them."""
    now: BindParameter[datetime] = bindparam("now")
    ids = select(col(EffectRow.id)).where(
        PENDING,
        col(EffectRow.incident_id) == bindparam("incident"),
        col(EffectRow.team_id) == bindparam("team"),
        col(EffectRow.after_lane) == bindparam("settling"),  # not a column's name: the UPDATE's
        col(EffectRow.kind).in_(bindparam("kinds", expanding=True)),
        col(EffectRow.not_before) <= now,
        unleased(now),
        ~_blocking(func.coalesce(col(_EARLIER.lane), "") != bindparam("settling")),
    )
    return _lease(ids.correlate(None))


def claim_ahead(
    *, session: Session, team_id: str, now: datetime, incident_id: int, lane: str, kinds: Sequence[str], worker: str
) -> list[Any]:
    """Work of incident `incident_id` of `kinds` (`Effect.read_first`: the card) that waits for
    `lane`, being settled by this sender (the channel being created), and for nothing else, leased
    in one statement before that lane is settled (`bot.outbox.ahead`); their rows, in the order
    recorded (read each with `claimed`). No other sender can take them meanwhile."""
    values = {
        "team": team_id,
        "incident": incident_id,
        "settling": lane,
        "kinds": list(kinds),
        "now": now,
        "worker": worker_label(worker),
        "until": now + LEASE,
    }
    return sorted(core(session).execute(_claim_ahead_query(), values), key=lambda row: int(row.id))


def claim_many(*, session: Session, effect_ids: Sequence[int], worker: str, now: datetime) -> dict[int, Any]:
    """Lease, in one statement, every one of `effect_ids` that is still pending and unleased; the
    rows this sender got, by id (read each with `claimed`). Those another sender holds are left
    to it: on PostgreSQL the statement waits for a row being claimed meanwhile, then skips it."""
    if not effect_ids:
        return {}
    values = {"ids": list(effect_ids), "now": now, "worker": worker_label(worker), "until": now + LEASE}
    return {row.id: row for row in core(session).execute(_CLAIM_MANY, values)}


def claimed(row: Any) -> Claimed:
    """A claimed row as the sender sends it; raises `UnreadablePayload` for a row this version
    cannot read."""
    effect = decode(row.kind, row.payload)
    return Claimed(
        row.id,
        row.incident_id,
        effect,
        row.attempts,
        row.expires_at,
        row.last_error,
        row.alert_group_id,
        row.lane,
        row.after_lane,
        row.claimed_until,
    )


def claim_rest_of_batch(
    *, session: Session, first: Claimed, worker: str, now: datetime, limit: int = MAX_BATCH
) -> list[Claimed]:
    """Claim the effects queued right behind `first` (claimed by this sender) in its lane that go
    in its batch: same incident, same kind, due and unleased, in order, stopping at the first that
    is not, and at any effect recorded meanwhile that they would wait for (in no lane, or in the
    lane `first` waits for); at most `limit - 1`. Other lanes' effects in between are no obstacle."""
    query = (
        select(col(EffectRow.id), col(EffectRow.kind), col(EffectRow.lane), col(EffectRow.not_before))
        .add_columns(col(EffectRow.claimed_until))
        .where(col(EffectRow.incident_id) == first.incident_id, PENDING, col(EffectRow.id) > first.id)
    )
    if first.lane is not None:  # its own lane, and whatever would stop it
        stops = [col(EffectRow.lane).is_(None), col(EffectRow.lane) == first.lane]
        if first.after_lane is not None:
            stops.append(col(EffectRow.lane) == first.after_lane)
        query = query.where(or_(*stops))
    wanted: list[int] = []
    behind = core(session).execute(query.order_by(col(EffectRow.id)).limit(limit - 1))
    for effect_id, kind, lane, not_before, claimed_until in behind:
        taken = claimed_until is not None and claimed_until >= now
        if effect_id is None or kind != first.kind or lane != first.lane or not_before > now or taken:
            break
        wanted.append(effect_id)
    if not wanted:
        return []
    rows = claim_many(session=session, effect_ids=wanted, worker=worker, now=now)
    rest: list[Claimed] = []
    for effect_id in wanted:  # in order, up to the first one another sender holds (or none can read)
        found = rows.get(effect_id)
        if found is None:
            break
        try:
            rest.append(claimed(found))
        except UnreadablePayload:
            break  # it is given up with its reason once it is the first of the queue
    release(session=session, effect_ids=[i for i in rows if i not in {c.id for c in rest}], worker=worker)
    return rest


def release(*, session: Session, effect_ids: Sequence[int], worker: str) -> None:
    """Give `worker`'s claims back without an attempt (claimed, but not sent now): only those still
    leased to it, as a lease that ran out may be another sender's now (cleared, it would let a third
    take the effect while the second is sending it: sent twice)."""
    if effect_ids:
        ours = col(EffectRow.claimed_by) == worker_label(worker)
        query = update(EffectRow).where(col(EffectRow.id).in_(effect_ids), ours)
        core(session).execute(query.values(claimed_by=None, claimed_until=None))


def give_back(db: Database, effect_ids: Sequence[int], *, worker: str) -> None:
    """`release`, in a write of its own: a sender's give-back, pending again at once. The database
    away, it is logged and the leases run out after `LEASE` instead (never raised)."""
    try:
        if effect_ids:
            with db.write_each() as session:
                release(session=session, effect_ids=effect_ids, worker=worker)
    except Exception:
        log.exception("could not give back effects %s: their leases run out instead", list(effect_ids))
