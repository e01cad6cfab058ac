"""The outbox sender: claims pending effects, sends them in batches, and records the outcome.

Web processes run one `SenderThread` (woken right after each ack); `incident-bot worker` runs the
same loop to pick up whatever is left after a crash or a Slack outage. Each effect is claimed by
one sender at a time, a round's side by side (`bot.outbox.send_pool`). One send path: a batch (one
effect, or the timeline lines queued one behind the other in their lane) is attempted once
(`attempt`) and what came back is recorded for every effect of the batch alike (`record`):

- the kind's result: handed to `on_result`, kept (`Result.remember`), and the batch is done;
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
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from bot.background import Background
from bot.domain.triage import TriageView
from bot.logs import log_context
from bot.outbox import pause, store
from bot.outbox.attempts import Attempt
from bot.outbox.backoff import Backoff
from bot.outbox.codec import UnreadablePayload
from bot.outbox.effect import Effect
from bot.outbox.failures import GiveUp, Hold, Retry, failed_ambiguously
from bot.outbox.registry import KINDS
from bot.outbox.results import Attempted, Nothing, Progress, Result
from bot.outbox.send_pool import SendPool
from bot.outbox.store import Claimed, Due
from bot.outbox.triage_view import read_group
from bot.outbox.view import IncidentView, read_views
from bot.storage.db import Database

log = logging.getLogger(__name__)

MAX_ATTEMPTS_FOR_BUGS = 5
CHANNEL_PACE_SECONDS = 1.0  # Slack accepts about one message per second in a channel
# Effects first in their incident's queue claimed in one transaction: enough to save most claims'
# transactions, few enough that a second sender (another process, the worker) finds effects of its
# own to send while this one talks to Slack; one another sender got meanwhile is skipped, not fought over.
CLAIM_BATCH = 4
MISSED_ROUNDS = 3  # a round that got none of the effects it read reads again, this many times at most


class Sends(Protocol):
    """What the sender needs of `bot.outbox.delivery.Delivery` (tests give a fake)."""

    def send(
        self,
        effects: Sequence[Effect],
        views: Sequence[IncidentView],
        progress: Progress,
        *,
        attempt: Attempt,
        group: TriageView | None = None,
    ) -> Result: ...


class EffectSender:
    """Sends every due effect; safe to run in many threads and processes at once."""

    claimable = staticmethod(store.claimable)  # what may go now (the App Home's sender: its own kinds)

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
        self.db = db
        self.delivery = delivery
        self.clock = clock
        self.workspace = workspace  # the team this process's token serves; None while Slack has not said
        self.on_result = on_result  # what a send brought back, for the rest of the bot (a fetched message)
        self.learn_people: Callable[[frozenset[str]], None] | None = None  # names the table lacks
        self.backoff = backoff or Backoff()
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        # Lines of one incident's channel are sent at most once per `pace_seconds` (in this
        # process): what is acknowledged meanwhile waits and goes as one batch, so a busy channel
        # costs one Slack call a second, not one a line, and stays inside Slack's limit. 0 sends
        # at once (the tests of the sender itself).
        self.pace_seconds = pace_seconds
        # A paced channel (an incident's, or the one channel a kind posts in) -> time.monotonic() of its last message
        self._posted: dict[int | str, float] = {}
        self.next_in: float | None = None  # after `drain`: seconds until a paced line may go
        self.pool = SendPool(threads)  # a round's batches sent side by side (1: in turn)

    def drain(self, *, stopping: Callable[[], bool] = lambda: False) -> int:
        """Send everything that is due now (or until `stopping()` says so between two batches);
        return how many effects were handled. Lines held back by the channel's pace are left
        pending; `next_in` says when the first of them may go (None: none waits).

        Each round claims up to `CLAIM_BATCH` effects that may go now, each with its batch, in one
        transaction, then sends the batches (`_send_claimed`: side by side, or one by one, giving
        back untouched what it did not send). While the outbox is paused, a round is its check."""
        handled = 0
        self.next_in = None
        team_id = self.workspace()
        if team_id is None:  # whose work is ours is not known yet: none is sent (asked again next round)
            return 0
        missed = 0  # rounds in a row whose effects another sender had claimed first
        while not stopping():
            waiting = self._waiting_kinds()
            with self.db.read() as session:
                paused = pause.current(session=session, team_id=team_id)
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
            ready = self._ready(due)[:CLAIM_BATCH]
            claimed = self._claim(ready)
            if not claimed:
                missed += 1
                if ready and missed <= MISSED_ROUNDS:
                    continue  # others' now: the next read lists only effects nobody holds
                break
            missed = 0
            handled += self._send_claimed(claimed, stopping)
        self._forget_quiet_channels()
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
        """Lease these effects in one transaction, each with its batch (`store.claim_rest_of_batch`):
        the batches this sender got, in order (another sender may have got some first). An effect
        this version cannot read (a newer kind, after a rollback) is given up with the reason, so
        `incident-bot outbox retry` can send it once it can."""
        if not due:
            return []
        batches: list[list[Claimed]] = []
        with self.db.write() as session:
            now = self.clock()
            rows = store.claim_many(
                session=session, effect_ids=[effect.id for effect in due], worker=self.worker, now=now
            )
            for effect in due:
                if effect.id not in rows:
                    continue  # another sender's now
                try:
                    first = store.claimed(rows[effect.id])
                except UnreadablePayload as error:
                    log.error("effect %s given up: %s", effect.id, error)
                    store.mark_failed(session=session, effect_ids=[effect.id], now=now, retry_at=None, error=str(error))
                    continue
                rest: list[Claimed] = []
                # After an ambiguous failure an effect goes alone: what it posted is found by part.
                if first.effect.batched and not failed_ambiguously(first.last_error):
                    rest = store.claim_rest_of_batch(session=session, first=first, worker=self.worker, now=now)
                batches.append([first, *rest])
        return batches

    def _send_claimed(self, claimed: list[list[Claimed]], stopping: Callable[[], bool]) -> int:
        """Send a round's batches, side by side (`threads` > 1) or one by one; how many effects
        were handled. One by one, what is not sent is given back untouched: when stopping, when
        Slack refused the token (the outbox is paused now), when half the lease has gone by
        (another sender may take a batch whose lease ran out while this one was talking to Slack:
        it would be sent twice), and when sending failed (the database went away while recording
        an outcome): never left leased for the lease's two minutes."""
        if self.pool.threads > 1 and len(claimed) > 1 and not stopping():  # each recorded by itself
            return self.pool.send_all(self._send, claimed)
        claimed_at = self.clock()
        handled = 0
        for position, batch in enumerate(claimed):
            if stopping() or self.clock() - claimed_at > store.LEASE / 2:
                self._give_back(claimed[position:])
                return handled
            handled += len(batch)
            try:
                sent = self._send(batch)
            except BaseException:
                self._give_back_if_possible(claimed[position + 1 :])
                raise
            if not sent:
                self._give_back(claimed[position + 1 :])
                return handled
        return handled

    def _give_back_if_possible(self, claimed: list[list[Claimed]]) -> None:
        try:
            self._give_back(claimed)
        except Exception:  # the database is away: the leases run out in two minutes instead
            log.exception("could not give back %d claimed batches", len(claimed))

    def _give_back(self, claimed: list[list[Claimed]]) -> None:
        """Claimed but not sent this round: pending again at once, no attempt counted."""
        ids = [effect.id for batch in claimed for effect in batch]
        if ids:
            with self.db.write() as session:
                store.release(session=session, effect_ids=ids)

    # --- the channel's pace --------------------------------------------------------------------

    def _paced(self, kind_name: str, incident_id: int | None) -> int | str | None:
        """Whose pace an effect keeps: its incident's channel (timeline lines), the one channel its
        kind posts in (triage messages, `Effect.one_channel`), or none."""
        kind = KINDS.get(kind_name)
        if self.pace_seconds <= 0 or kind is None:
            return None
        if kind.one_channel:
            return kind_name
        return incident_id if kind.batched and incident_id is not None else None

    def _wait(self, paced: int | str) -> float:
        """Seconds before the paced channel `paced` may post again (counted in `next_in` when positive)."""
        last = self._posted.get(paced)
        wait = 0.0 if last is None else last + self.pace_seconds - time.monotonic()
        if wait > 0:
            self.next_in = wait if self.next_in is None else min(self.next_in, wait)
        return wait

    def _waiting_kinds(self) -> list[str]:
        """The kinds posting in one channel whose pace holds them back now: not even read, so that
        a storm of them never hides an incident's work behind them."""
        return [paced for paced in list(self._posted) if isinstance(paced, str) and self._wait(paced) > 0]

    def _ready(self, due: list[Due]) -> list[Due]:
        """The due effects that may go now: one per paced channel a round, and only once its pace allows."""
        ready: list[Due] = []
        taken: set[int | str] = set()
        for effect in due:
            paced = self._paced(effect.kind, effect.incident_id)
            if paced is not None and (paced in taken or self._wait(paced) > 0):
                continue
            if paced is not None:
                taken.add(paced)
            ready.append(effect)
        return ready

    def _forget_quiet_channels(self) -> None:
        quiet = time.monotonic() - self.pace_seconds
        for paced in [paced for paced, at in self._posted.items() if at <= quiet]:
            del self._posted[paced]

    # --- the one send path ---------------------------------------------------------------------

    def _send(self, batch: list[Claimed]) -> bool:
        """Send one claimed batch and record the outcome; False when the outbox is paused now."""
        first = batch[0]
        with log_context(effect_id=first.id, incident_id=first.incident_id, effect_kind=first.kind):
            waiting = [effect for effect in batch if not self.settled_without_slack(effect)]
            going_on = not waiting or self.record(waiting, self.attempt(waiting))
        paced = self._paced(first.kind, first.incident_id)
        if paced is not None:
            self._posted[paced] = time.monotonic()
        return going_on

    def settled_without_slack(self, effect: Claimed) -> bool:
        """Settle what needs no Slack call: expired (a modal's trigger), or superseded by a later
        card or topic. True when it was."""
        if effect.expires_at is not None and self.clock() > effect.expires_at:
            self.record([effect], GiveUp("expired before it could be sent"))
            return True
        # One that may have reached Slack goes again itself: its retry finds what it posted.
        if effect.effect.superseded_by_later and not failed_ambiguously(effect.last_error):
            with self.db.read() as session:
                later = store.has_later(session=session, effect=effect)
            if later:
                self.record([effect], Nothing(note="superseded by a later one"))
                return True
        return False

    def attempt(self, batch: Sequence[Claimed]) -> Attempted:
        """Send a batch once: what its kind's `send` brought back, or why it failed (never raised;
        a bug is logged here, with its traceback)."""
        first = batch[0]
        attempt = Attempt(
            effect_id=first.id,
            maybe_sent=any(failed_ambiguously(effect.last_error) for effect in batch),
            rest=tuple(effect.id for effect in batch[1:]),
        )
        effects = [effect.effect for effect in batch]
        try:
            views = read_views(self.db, effects, first.incident_id)
            unnamed = frozenset().union(*(view.unnamed for view in views))
            if unnamed and self.learn_people is not None:
                self.learn_people(unnamed)  # after the ack: asking Slack costs nobody a wait
                views = read_views(self.db, effects, first.incident_id)
            group = None if first.alert_group_id is None else read_group(self.db, first.alert_group_id)
            result = self.delivery.send(effects, views, self._progress(first), attempt=attempt, group=group)
            if self.on_result is not None:
                self.on_result(result)  # before the batch is marked done: a crash in between sends it again
            return result
        except (Retry, Hold, GiveUp) as failure:
            return failure
        except Exception as bug:
            log.exception("%s failed unexpectedly", _named(batch))
            return bug

    def record(self, batch: Sequence[Claimed], attempted: Attempted) -> bool:
        """Record what an attempt at `batch` brought, for each of its effects alike; False when
        Slack refused the token (the outbox is paused now)."""
        first, ids, now = batch[0], [effect.id for effect in batch], self.clock()
        if isinstance(attempted, Result):
            with self.db.write() as session:
                attempted.remember(session, first.incident_id)
                store.mark_done(session=session, effect_ids=ids, now=now, note=attempted.outcome())
            return True
        if isinstance(attempted, Hold):
            pause.hold(
                self.db,
                team_id=self._team(),
                effect_ids=ids,
                now=now,
                error=str(attempted),
                check_every=self.backoff.held_every,
            )
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
            store.mark_failed(session=session, effect_ids=ids, now=now, retry_at=retry_at, error=error)
        return True

    def _progress(self, first: Claimed) -> Progress:
        def save(result: Result) -> None:
            with self.db.write() as session:
                result.remember(session, first.incident_id)

        return save


def _named(batch: Sequence[Claimed]) -> str:
    """The batch, as the log names it: `effect 12 timeline.post and the 4 behind it`."""
    first = batch[0]
    behind = f" and the {len(batch) - 1} behind it" if len(batch) > 1 else ""
    return f"effect {first.id} {first.kind}{behind}"


class SenderThread(Background):
    """One background thread per process that drains the outbox, woken after every ack."""

    def __init__(self, sender: EffectSender, *, poll_seconds: float = 1.0, gather_seconds: float = 0.05) -> None:
        super().__init__("effect-sender")
        self.sender = sender
        self.poll_seconds = poll_seconds
        self.retry_seconds = poll_seconds
        # Woken by an ack, wait this long first: the notes acknowledged meanwhile join the same
        # batch, and the sender's transactions stay out of the way of the acks.
        self.gather_seconds = gather_seconds

    def run_round(self) -> float:
        self.sender.drain(stopping=self.stopping)
        paced = self.sender.next_in  # a channel's next line waits for its pace
        return self.poll_seconds if paced is None else min(self.poll_seconds, paced)

    def woken(self) -> None:
        self.sleep(self.gather_seconds)

    def stop(self, timeout: float = 10.0) -> None:
        super().stop(timeout)
        self.sender.pool.close()  # once the batches in hand are recorded
