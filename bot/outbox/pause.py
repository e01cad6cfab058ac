"""The token pause: while Slack refuses the bot token or a permission, the outbox sends nothing but
one check a minute.

One token serves the whole workspace, so while Slack refuses it (`invalid_auth`, `token_revoked`,
`account_inactive`, `missing_scope`, ...: a `Hold`) every other call would be refused too. Rather
than let each effect fail once a minute, the refused effects are *held* (state `held`, never
discarded), the outbox *pauses*, and a single check runs every `Backoff.held_every` (60 s): the
oldest held effect, sent again through the sender's one send path (a real call, so a missing
scope is noticed as surely as a revoked token). When it goes through (or Slack refuses only that
effect), the pause ends: every held effect is pending again, in its incident's order. A token
accepted at start-up (`auth.test`) or `incident-bot outbox retry` makes the check due at once.

A pause is a workspace's: it holds and checks only the work of the workspace whose token Slack
refused, so another install sharing the database goes on sending. It is Slack's: PagerDuty's
events, which call no Slack, go on too (their sender is not paused: `bot.outbox.pagerduty_sender`).

The pause is one pending row of the effect table (`store.PAUSE_KIND`): its `created_at` is when
the refusals began, its `not_before` the next check, its `last_error` Slack's error code, its
`attempts` the checks made. A pending row, so finding it uses the pending index however large the
table grows, and claiming it is an ordinary lease, so across every process one sender checks at a
time; `/healthz` and `incident-bot outbox` read the pause from it. The held effect a check sends
is marked as the checker's (`claimed_by`), so only that check records its outcome: one whose lease
on the pause ran out while Slack did not answer never holds again what the next check sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import bindparam, case, update
from sqlmodel import Session, col, select

from bot.outbox import claims, store
from bot.outbox.backoff import Backoff
from bot.outbox.claims import Claimed
from bot.outbox.failures import Hold, Retry
from bot.outbox.results import Attempted
from bot.outbox.store import HELD, PAUSE_KIND, worker_label
from bot.storage.db import Database
from bot.storage.effect_tables import PENDING, EffectRow
from bot.storage.sql import core

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pause:
    """The outbox is paused: Slack has refused the token (`error`) since `since`."""

    id: int
    team_id: str
    since: datetime
    error: str
    next_check: datetime
    checks: int  # made so far


def current(*, session: Session, team_id: str | None) -> Pause | None:
    """Workspace `team_id`'s pause, if any (the oldest, should two senders have started one at the
    same moment: it is the one checked, and the others end with it); `team_id` None: any
    workspace's (`/healthz` before auth.test answered, `incident-bot outbox`). Read every round of
    every sender: one statement built once, through Core."""
    query = _CURRENT if team_id is None else _CURRENT_OF
    row = core(session).execute(query, {"team_id": team_id}).first()
    if row is None or row.id is None:
        return None
    return Pause(row.id, row.team_id or "", row.created_at, row.last_error or "refused", row.not_before, row.attempts)


_CURRENT = (
    select(col(EffectRow.id), col(EffectRow.team_id), col(EffectRow.created_at), col(EffectRow.last_error))
    .add_columns(col(EffectRow.not_before), col(EffectRow.attempts))
    .where(PENDING, col(EffectRow.kind) == PAUSE_KIND)
    .order_by(col(EffectRow.id))
    .limit(1)
)
_CURRENT_OF = _CURRENT.where(col(EffectRow.team_id) == bindparam("team_id"))


def hold(sender: Checker, *, team_id: str, effect_ids: Sequence[int], now: datetime, error: str) -> None:
    """Hold the effects Slack refused to `sender` (those still its own: `store.mark_held`), and pause
    workspace `team_id`'s outbox (the first check in `Backoff.held_every`) unless it is paused already."""
    check_every = sender.backoff.held_every
    with sender.db.write() as session:
        store.mark_held(session=session, effect_ids=effect_ids, worker=sender.worker, error=error)
        # Locked: an `end` running meanwhile either ends the pause first (then this starts a new
        # one) or waits and releases these effects too (PostgreSQL; SQLite serialises writers
        # anyway). Two senders holding at the very same moment may both start one (`current`).
        running = (
            select(EffectRow.id)
            .where(PENDING, EffectRow.kind == PAUSE_KIND, EffectRow.team_id == team_id)
            .limit(1)
            .with_for_update()
        )
        started = session.exec(running).first() is None
        if started:
            session.add(
                EffectRow(
                    kind=PAUSE_KIND,
                    team_id=team_id,
                    created_at=now,
                    not_before=now + check_every,
                    last_error=error[:500],
                )
            )
    if started:
        log.error(
            "Slack refused the bot token (%s): Slack work is held, nothing is lost; checking every %ds. "
            "Fix SLACK_BOT_TOKEN or the app's scopes; `incident-bot outbox` lists the held work",
            error,
            check_every.total_seconds(),
        )


class Checker(Protocol):
    """What the check needs of the sender (`bot.outbox.sender.EffectSender`)."""

    db: Database
    clock: Callable[[], datetime]
    backoff: Backoff
    worker: str

    def settled_without_slack(self, effect: Claimed) -> bool: ...

    def attempt(self, batch: Sequence[Claimed]) -> Attempted: ...

    def record(self, batch: Sequence[Claimed], attempted: Attempted) -> bool: ...


def check(sender: Checker, pause: Pause) -> bool:
    """The paused outbox's check, unless another sender is making it: the oldest held effect sent
    again. True when the sender goes on (the pause ended, or the next held effect is checked now)."""
    with sender.db.write() as session:
        if not claims.claim_many(session=session, effect_ids=[pause.id], worker=sender.worker, now=sender.clock()):
            return False  # another sender is checking
    try:
        return _check(sender, pause)
    except BaseException:  # the database went away: the next check is not kept waiting for the lease
        claims.give_back(sender.db, [pause.id], worker=sender.worker)
        raise


def _check(sender: Checker, pause: Pause) -> bool:
    with sender.db.write() as session:
        checking = {"team": pause.team_id, "worker": worker_label(sender.worker)}
        row = core(session).execute(_TAKE_OLDEST_HELD, checking).first()
    if row is None:  # a person sent it all again (`incident-bot outbox retry`)
        return _end(sender, pause.team_id)
    held = claims.claimed(row)
    if sender.settled_without_slack(held):  # expired or superseded: check with the next one, now
        with sender.db.write() as session:
            _postpone(session, pause.id, worker=sender.worker, until=sender.clock())
        return True
    attempted = sender.attempt([held])
    if not isinstance(attempted, Hold | Retry):  # Slack took the token: it did the work, or refused only this
        sender.record([held], attempted)
        return _end(sender, pause.team_id)
    if isinstance(attempted, Hold):
        log.warning("Slack still refuses the bot token (%s); %s stays held", attempted, held.kind)
        until, error = sender.clock() + sender.backoff.held_every, str(attempted)
    else:  # Slack is down as well: check again soon, as for any outage
        until, error = sender.clock() + sender.backoff.wait(attempted, pause.checks), None
    with sender.db.write() as session:
        store.mark_held(session=session, effect_ids=[held.id], worker=sender.worker, error=str(attempted))
        _postpone(session, pause.id, worker=sender.worker, until=until, error=error)
    return False


# The workspace's oldest held effect, the check's: marked as the checking sender's (`claimed_by`;
# no lease: the pause's row is its lease), so that what the check brings is recorded only while no
# other sender took the check over since (`store.mark_held`, ...: a checker whose lease on the pause
# ran out while Slack did not answer never holds again an effect the next checker sent).
_TAKE_OLDEST_HELD = (
    update(EffectRow)
    .where(
        col(EffectRow.id)
        == select(EffectRow.id)
        .where(col(EffectRow.state) == HELD, col(EffectRow.team_id) == bindparam("team"))
        .order_by(col(EffectRow.id))
        .limit(1)
        .correlate(None)
        .scalar_subquery(),
        col(EffectRow.state) == HELD,  # on PostgreSQL, checked again if sent again meanwhile (`incident-bot outbox`)
    )
    .values(claimed_by=bindparam("worker"))
    .returning(*claims.CLAIMED_COLUMNS)
)


def _postpone(session: Session, pause_id: int, *, worker: str, until: datetime, error: str | None = None) -> None:
    """The next check at `until`; `error` replaces the reason shown when given. Only while the pause
    is still `worker`'s check: one whose lease ran out and that another sender took over meanwhile
    leaves that check's lease alone (cleared, a third sender would check beside it and send the
    same held effect again)."""
    values: dict[str, Any] = {"attempts": EffectRow.attempts + 1, "not_before": until, "claimed_until": None}
    if error is not None:
        values["last_error"] = error[:500]
    ours = col(EffectRow.claimed_by) == worker_label(worker)
    core(session).execute(update(EffectRow).where(col(EffectRow.id) == pause_id, PENDING, ours).values(**values))


def _end(sender: Checker, team_id: str) -> bool:
    """End the workspace's pause: every held effect of it is pending again, due now (or at the
    retry a failed check set). The pause's rows are updated (locked) first, so a `hold` racing with
    this either waits and then starts a new pause, or is seen held and released."""
    now = sender.clock()
    with sender.db.write() as session:
        core(session).execute(
            update(EffectRow)
            .where(PENDING, col(EffectRow.kind) == PAUSE_KIND, col(EffectRow.team_id) == team_id)
            .values(state="done", done_at=now, claimed_until=None)
        )
        released = core(session).execute(
            update(EffectRow)
            .where(col(EffectRow.state) == HELD, col(EffectRow.team_id) == team_id)
            .values(
                state="pending",
                not_before=case((col(EffectRow.not_before) > now, col(EffectRow.not_before)), else_=now),
                claimed_until=None,
            )
            .returning(col(EffectRow.id))
        )
        count = len(released.all())
    if count:
        log.warning("Slack accepts the bot token again: %d held effects are sent now", count)
    return True


def check_now(*, session: Session, now: datetime, team_id: str | None = None) -> None:
    """Make the pause's next check due now (the token was just accepted, or a person asked); of
    workspace `team_id`, or (None) of every workspace."""
    query = update(EffectRow).where(PENDING, col(EffectRow.kind) == PAUSE_KIND)
    if team_id is not None:
        query = query.where(col(EffectRow.team_id) == team_id)
    core(session).execute(query.values(not_before=now))
