"""The outbox sender: claims pending effects, sends them in batches, and records the outcome.

Web processes run one `SenderThread` (woken right after each ack that recorded Slack work);
`incident-bot worker` runs the same loop to pick up whatever is left after a crash or a Slack
outage. Each effect is claimed by one sender at a time (`bot.outbox.claims`), a round's side by side
(`bot.outbox.send_pool`). Work that settles a lane others wait for (`Effect.after`: the channel's
creation) claims, in the transaction that records it, the work of its incident it let go, and that
goes at once in the same round (`_chain`); the card, read ahead while the channel was created, goes
before that record (`bot.outbox.ahead`). One
send path: a batch (one effect, or the timeline lines queued one behind the other in their lane) is
attempted once (`attempt`) and what came back is recorded for every effect of the batch alike
(`record`):

- the kind's result: handed to `on_result`, kept (`Result.remember`, only while the batch is
  still this sender's: `store.mark_done`), and the batch is done;
- 5xx and network errors (`Retry`): pending again after `Backoff.after` (exponential with
  jitter, at most 30 s), so once Slack answers again every queue moves within 30 s; a 429 waits
  exactly Slack's Retry-After. Tried until it succeeds. Such a failure may have reached Slack (a
  timeout after Slack posted): the next attempt is told so (`Attempt.maybe_sent`), and the kind
  looks for what it posted before posting again;
- `GiveUp` (the channel was deleted, ...): given up (`dead`); the rest goes on;
- `Hold` (Slack refused the token or a permission): held, the outbox paused (`bot.outbox.pause`);
- anything else is a bug: retried with backoff, given up after `MAX_ATTEMPTS_FOR_BUGS`.

A sender sends, holds and checks only the work of the workspace its process serves (`workspace`:
auth.test's team), and nothing at all until Slack has said which workspace the token serves.

The same class, claiming only its kinds, sends the kinds that have a sender of their own
(`Effect.own_sender`) in threads of their own: the App Home's (`bot.outbox.home_queue`) and
PagerDuty's (`bot.outbox.pagerduty_sender`, not stopped by the token pause).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, ClassVar

from sqlmodel import Session

from bot.logs import log_context
from bot.outbox import claims, pause, store, worth
from bot.outbox.ahead import Ahead, Ready, SentAhead
from bot.outbox.attempts import Attempt
from bot.outbox.backoff import Backoff
from bot.outbox.channel_pace import ChannelPace
from bot.outbox.claims import Claimed, Due
from bot.outbox.codec import UnreadablePayload
from bot.outbox.delivery import Sends
from bot.outbox.effect import Effect
from bot.outbox.failures import GiveUp, Hold, Retry, failed_ambiguously
from bot.outbox.registry import AWAITED_LANES
from bot.outbox.results import Attempted, Result
from bot.outbox.send_pool import PoolClosed, SendPool
from bot.outbox.steps import Steps, ours_to_save
from bot.outbox.triage_view import read_group
from bot.outbox.view import IncidentView, read_views
from bot.storage.db import Database

log = logging.getLogger(__name__)

MAX_ATTEMPTS_FOR_BUGS = 5
CHANNEL_PACE_SECONDS = 1.0  # Slack accepts about one message per second in a channel (`bot.outbox.channel_pace`)
# Effects first in their incident's queue claimed in one transaction: enough to save most claims'
# transactions, few enough that a second sender (another process, the worker) finds effects of its
# own to send while this one talks to Slack; one another sender got meanwhile is skipped, not fought over.
CLAIM_BATCH = 4
MISSED_ROUNDS = 3  # a round that got none of the effects it read reads again, this many times at most


class EffectSender:
    """Sends every due effect; safe to run in many threads and processes at once."""

    claimable = staticmethod(claims.claimable)  # what may go now (the App Home's sender: its own kinds)
    # Stopped while Slack refuses the token (`bot.outbox.pause`); False: a sender that calls no
    # Slack (PagerDuty's), whose refusals are its events' own (given up one by one).
    paused_by_slack_token: ClassVar[bool] = True

    def __init__(
        self,
        db: Database,
        delivery: Sends,
        *,
        clock: Callable[[], datetime],
        workspace: Callable[[], str | None],
        on_result: Callable[[Result], None] | None = None,
        backoff: Backoff | None = None,
        pace_seconds: float = 0.0,
        threads: int = 1,
    ) -> None:
        self.db, self.delivery, self.clock = db, delivery, clock
        self.workspace = workspace  # the team this process's token serves; None while Slack has not said
        self.on_result = on_result  # what a send brought back, for the rest of the bot (a fetched message)
        self.learn_people: Callable[[frozenset[str]], None] | None = None  # names the table lacks
        self.backoff = backoff or Backoff()
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.pace = ChannelPace(pace_seconds)  # lines of a channel at most once per `pace_seconds`
        self.pool = SendPool(threads)  # a round's batches sent side by side (1: in turn)
        self.early = SentAhead()  # what people wait for, read ahead and sent early (`bot.outbox.ahead`)
        self.stopping: Callable[[], bool] = lambda: False  # `drain`'s, for what goes in other threads

    @property
    def next_in(self) -> float | None:
        """After `drain`: seconds until a line held back by its channel's pace may go (None: none waits)."""
        return self.pace.next_in

    def drain(self, *, stopping: Callable[[], bool] = lambda: False) -> int:
        """Send everything that is due now (or until `stopping()` says so between two batches);
        return how many effects were handled. Lines held back by the channel's pace are left
        pending; `next_in` says when the first of them may go (None: none waits).

        Each round claims up to `CLAIM_BATCH` effects that may go now, each with its batch, in one
        transaction, then sends the batches (`_send_claimed`: side by side, or one by one, giving
        back untouched what it did not send). While the outbox is paused, a round is its check."""
        handled = 0
        self.pace.next_in = None
        team_id = self.workspace()
        if team_id is None:  # whose work is ours is not known yet: none is sent (asked again next round)
            return 0
        missed, self.stopping = 0, stopping  # rounds in a row whose effects another sender had claimed first
        while not stopping() and not self.pool.closed:  # closed: its thread was stopped
            waiting = self.pace.waiting_kinds()
            with self.db.read_each() as session:
                paused = pause.current(session=session, team_id=team_id) if self.paused_by_slack_token else None
                due = (
                    []
                    if paused
                    else self.claimable(session=session, team_id=team_id, now=self.clock(), skip_kinds=waiting)
                )
            if paused is not None:
                if paused.next_check > self.clock() or not pause.check(self, paused):
                    break
                handled += 1
                continue
            ready = self.pace.ready(due)[:CLAIM_BATCH]
            claimed = self._claim(ready)
            if not claimed:
                missed += 1
                if ready and missed <= MISSED_ROUNDS:
                    continue  # others' now: the next read lists only effects nobody holds
                break
            missed = 0
            try:
                handled += self._send_claimed(claimed, stopping)
            finally:
                handled += self.early.join()
        self.pace.forget_quiet()
        return handled

    def check_now(self) -> None:
        """The token was accepted (auth.test at start-up): check held work at once, not in a minute."""
        with self.db.write() as session:
            pause.check_now(session=session, now=self.clock(), team_id=self._team())

    def _team(self) -> str:
        """The workspace served, known while sending (`drain` sends nothing before)."""
        team_id = self.workspace()
        if team_id is None:
            raise RuntimeError("the workspace is not known yet")
        return team_id

    # --- claiming ------------------------------------------------------------------------------

    def _claim(self, due: list[Due]) -> list[list[Claimed]]:
        """Lease these effects, each with its batch (`claims.claim_rest_of_batch`): the batches this
        sender got, in order. Each lease is one guarded UPDATE, so on PostgreSQL they go outside any
        transaction (`Database.write_each`: no BEGIN nor COMMIT)."""
        if not due:
            return []
        leased: list[int] = []  # each lease commits by itself on PostgreSQL: given back if a later one fails
        now = self.clock()
        try:
            with self.db.write_each() as session:
                rows = claims.claim_many(session=session, effect_ids=[e.id for e in due], worker=self.worker, now=now)
                leased += rows
                return self._batches(session, [rows[effect.id] for effect in due if effect.id in rows], leased)
        except BaseException:
            self.give_back([], leased)
            raise

    def _batches(self, session: Session, rows: Sequence[Any], leased: list[int]) -> list[list[Claimed]]:
        """The claimed rows as batches, each with the rest of its batch claimed (added to `leased`). One
        this version cannot read (a newer kind) is given up with the reason (`incident-bot outbox retry`)."""
        batches: list[list[Claimed]] = []
        now = self.clock()
        for row in rows:
            try:
                first = claims.claimed(row)
            except UnreadablePayload as error:
                log.error("effect %s given up: %s", row.id, error)
                store.mark_failed(
                    session=session, effect_ids=[row.id], now=now, worker=self.worker, retry_at=None, error=str(error)
                )
                continue
            rest: list[Claimed] = []
            # After an ambiguous failure too (its kind looks for what each posted): failed together, go together.
            if first.effect.batched:
                rest = claims.claim_rest_of_batch(session=session, first=first, worker=self.worker, now=now)
                leased += [effect.id for effect in rest]
            batches.append([first, *rest])
        return batches

    def _chain(self, session: Session, first: Claimed) -> list[list[Claimed]]:
        """What settling `first`'s batch (in `session`, not yet committed) let go, claimed in the
        same transaction (one statement, `claims.claim_let_go`), for the round to send at once: work
        of its incident that waits for its lane (`AWAITED_LANES`), such as everything in the channel
        once it exists, but lines its channel's pace holds back; none for other work."""
        if first.incident_id is None or first.lane not in AWAITED_LANES:
            return []
        rows = claims.claim_let_go(
            session=session,
            team_id=self._team(),
            now=self.clock(),
            incident_id=first.incident_id,
            limit=CLAIM_BATCH,
            worker=self.worker,
            skip_kinds=self.pace.held_in(first.incident_id),
        )
        return self._batches(session, rows, [])

    def _send_claimed(self, claimed: list[list[Claimed]], stopping: Callable[[], bool]) -> int:
        """Send a round's batches, side by side (`threads` > 1) or one by one; how many effects
        were handled. One by one, what is not sent is given back untouched: when stopping, when
        Slack refused the token (the outbox is paused now), when half the lease has gone by
        (another sender may take a batch whose lease ran out while this one was talking to Slack:
        it would be sent twice), and when sending failed (the database went away while recording
        an outcome): never left leased for the lease's two minutes."""
        if self.pool.threads > 1 and len(claimed) > 1 and not stopping():  # each recorded by itself
            return self._send_side_by_side(claimed)
        claimed_at = self.clock()
        handled = 0
        for position, batch in enumerate(claimed):  # grows by the work each batch let go (`_chain`)
            if stopping() or self.clock() - claimed_at > claims.LEASE / 2:
                self.give_back(claimed[position:])
                return handled
            handled += len(batch)
            try:
                then = self._send(batch)
                if then and self.pool.threads > 1:  # what the batch let go, side by side
                    handled += self._send_side_by_side(then)
                elif then:
                    claimed += then
            except BaseException:
                self.give_back(claimed[position + 1 :])
                raise
            if then is None:
                self.give_back(claimed[position + 1 :])
                return handled
        return handled

    def _send_side_by_side(self, batches: list[list[Claimed]]) -> int:
        """The batches in the pool, each recorded by itself; how many effects were handled. What a
        closed pool (the thread was stopped meanwhile) did not send is pending again at once."""
        try:
            return self.pool.send_all(self._send_then, batches)
        except PoolClosed as closed:
            self.give_back(closed.unsent)
            return closed.handled

    def give_back(self, claimed: Sequence[Sequence[Claimed]], leased: Sequence[int] = ()) -> None:
        """Claimed but not sent this round, or `leased` by a failed claim: pending again at once, no
        attempt counted, while still this sender's lease (`claims.give_back`)."""
        ids = [*leased, *(effect.id for batch in claimed for effect in batch)]
        claims.give_back(self.db, ids, worker=self.worker)

    # --- the one send path ---------------------------------------------------------------------

    def _send(self, batch: list[Claimed], ready: Ready | None = None) -> list[list[Claimed]] | None:
        """Send one claimed batch (`ready`: read ahead of another, `bot.outbox.ahead`) and record the
        outcome: the work it let go, claimed (`_chain`); None when the outbox is paused now."""
        first, then = batch[0], list[list[Claimed]]()
        self.pace.posted(first.kind, first.incident_id)  # being sent: its channel's pace holds the next
        with log_context(effect_id=first.id, incident_id=first.incident_id, effect_kind=first.kind):
            waiting = [effect for effect in batch if not self.settled_without_slack(effect)]
            ahead = None  # one thread (`threads` 1): one by one, nothing read ahead
            if waiting and ready is None and self.pool.threads > 1 and Ahead.wanted(first):
                ahead = Ahead.beside(
                    self.db, self._read, first, team_id=self._team(), worker=self.worker, now=self.clock()
                )
            attempted = self.attempt(waiting, ready, ahead.begin if ahead else None) if waiting else None
            if ahead is not None:  # sent now, unless the batch failed or the sender is stopping
                going = not self.pool.closed and not self.stopping()
                self.early.send(ahead, attempted, self._send, go=going, now=self.clock())
            going_on = attempted is None or self.record(waiting, attempted, then=then)
        self.pace.posted(first.kind, first.incident_id)
        return then if going_on else None

    def _send_then(self, batch: list[Claimed]) -> list[list[Claimed]]:
        """`_send` in the pool, the work it let go sent next. One that waited until half its lease
        had gone by is given back, not sent: another sender may take it once the lease runs out."""
        until = batch[0].claimed_until
        if until is not None and self.clock() > until - claims.LEASE / 2:
            self.give_back([batch])
            return []
        return self._send(batch) or []

    def settled_without_slack(self, effect: Claimed) -> bool:
        """Settle what is not worth sending (`bot.outbox.worth`: expired, superseded or overtaken by
        a later one) without a Slack call. True when it was."""
        settled = worth.settled(self.db, effect, self.clock())
        if settled is not None:
            self.record([effect], settled)
        return settled is not None

    def attempt(
        self, batch: Sequence[Claimed], ready: Ready | None = None, read: Callable[[], None] | None = None
    ) -> Attempted:
        """Send a batch once (`ready`: its views read ahead; else read now; `read` called once they
        are): what its `send` brought back, or why it failed (never raised; a bug is logged here)."""
        first = batch[0]
        attempt = Attempt(
            effect_id=first.id,
            maybe_sent=any(failed_ambiguously(effect.last_error) for effect in batch),
            rest=tuple(effect.id for effect in batch[1:]),
        )
        effects = [effect.effect for effect in batch]
        try:
            incident_id = first.incident_id if first.effect.reads_incident else None
            views = self._read(effects, incident_id) if ready is None else ready.views
            group = None if first.alert_group_id is None else read_group(self.db, first.alert_group_id)
            if read is not None:
                read()  # the work read ahead beside this batch begins (`Ahead.begin`)
            with self._progress(first, ready) as steps:  # the card's `ts`, written beside its pin: a retry must find it
                result = self.delivery.send(effects, views, steps, attempt=attempt, group=group)
            if self.on_result is not None:
                self.on_result(result)  # before the batch is marked done: a crash in between sends it again
            return result
        except (Retry, Hold, GiveUp) as failure:
            return failure
        except Exception as bug:
            log.exception("%s failed unexpectedly", _named(batch))
            return bug

    def record(
        self, batch: Sequence[Claimed], attempted: Attempted, *, then: list[list[Claimed]] | None = None
    ) -> bool:
        """Record what an attempt at `batch` brought, for each of its effects alike; False when
        Slack refused the token (the outbox is paused now). Done, and `then` given: the work it
        let go is claimed in the same transaction and added to `then` (`_chain`). What Slack answered
        is kept only while the batch's first effect is still this sender's (`store.mark_done`);
        otherwise another sender took it over after this one's lease ran out, and keeps what it stored."""
        first, ids, now = batch[0], [effect.id for effect in batch], self.clock()
        if isinstance(attempted, Result):
            with self.db.write() as session:
                marked = store.mark_done(
                    session=session, effect_ids=ids, now=now, worker=self.worker, note=attempted.outcome()
                )
                if first.id in marked:
                    attempted.remember(session, first.incident_id)
                else:
                    log.info("effect %s: no longer this sender's (taken over, or settled), answer dropped", first.id)
                if then is not None:
                    then += self._chain(session, first)
            return True
        if isinstance(attempted, Hold):
            pause.hold(self, team_id=self._team(), effect_ids=ids, now=now, error=str(attempted))
            return False
        if isinstance(attempted, Retry):
            wait = self.backoff.wait(attempted, first.attempts)
            log.info("%s: retry in %.1fs (%s)", _named(batch), wait.total_seconds(), attempted)
            retry_at, error = now + wait, str(attempted)
        elif isinstance(attempted, GiveUp):
            log.warning("%s given up: %s", _named(batch), attempted)
            retry_at, error = None, str(attempted)
        else:  # a bug (logged when it happened): keep the effects, but not forever
            last = first.attempts + 1 >= MAX_ATTEMPTS_FOR_BUGS
            retry_at, error = None if last else now + self.backoff.after(first.attempts), repr(attempted)
        with self.db.write() as session:
            store.mark_failed(
                session=session, effect_ids=ids, now=now, worker=self.worker, retry_at=retry_at, error=error
            )
        return True

    def _read(self, effects: Sequence[Effect], incident_id: int | None) -> tuple[IncidentView, ...]:
        """The batch's views; the names the members table lacks asked of Slack first (after the ack)."""
        views = read_views(self.db, effects, incident_id)
        unnamed = frozenset().union(*(view.unnamed for view in views))
        if unnamed and self.learn_people is not None:
            self.learn_people(unnamed)
            views = read_views(self.db, effects, incident_id)
        return views

    def _progress(self, first: Claimed, ready: Ready | None) -> Steps:
        """Steps remembered beside the next Slack call (the card's `ts`: `bot.outbox.steps`), each after
        what the work it was read ahead of brought (`Ready.lets_go`), while `first` is still ours."""
        before = ready.lets_go if ready is not None else None
        return Steps(ours_to_save(self.db, first.id, first.incident_id, worker=self.worker, before=before))


def _named(batch: Sequence[Claimed]) -> str:
    """The batch, as the log names it: `effect 12 timeline.post and the 4 behind it`."""
    first = batch[0]
    behind = f" and the {len(batch) - 1} behind it" if len(batch) > 1 else ""
    return f"effect {first.id} {first.kind}{behind}"
