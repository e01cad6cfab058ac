"""The outbox sender: claims pending Slack work, sends it, and remembers the outcome.

Web processes run one `SenderThread` (`bot.outbox.sender_thread`, woken right after each ack);
`incident-bot worker` runs the same loop to pick up whatever is left after a crash or a Slack outage. Each effect is
claimed by one sender at a time. What a failure does (`bot.outbox.failures`):

- 5xx and network errors: the effect stays pending and is tried again after `Backoff.after`
  (exponential with jitter, at most 30 s), so once Slack answers again every queue moves
  within 30 s; a 429 waits exactly Slack's Retry-After. Tried until it succeeds. Such a failure
  may have reached Slack (a timeout after Slack posted): the next attempt is told so
  (`Attempt.maybe_sent`), and the delivery looks for what it posted before posting again.
- `GiveUp` (the channel was deleted, ...): the effect is given up (`dead`); the rest goes on.
- `Hold` (`invalid_auth`, `token_revoked`, `account_inactive`, `missing_scope`, ...): the
  effect is held, never discarded, and the whole outbox pauses. One token serves the whole
  workspace, so while Slack refuses it every other call would be refused too: rather than let
  each effect fail once a minute, nothing else is sent and a single check runs every
  `Backoff.held_every` (60 s): the oldest held effect, sent again (a real call, so a missing
  scope is noticed as surely as a revoked token). The check is a pending outbox row
  (`outbox.auth_hold`) claimed like any effect, so across every process one sender checks at a
  time, and `/healthz` reads the pause from it. When the check goes through, every held effect is
  pending again, in its incident's order. A successful `auth.test` at start-up (a new token) or
  `incident-bot outbox retry` makes the check due at once.
- anything else is a bug: retried with backoff, given up after `MAX_ATTEMPTS_FOR_BUGS`.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from sqlmodel import Session

from bot.logs import log_context
from bot.outbox import runs, store
from bot.outbox.attempts import Attempt
from bot.outbox.backoff import Backoff
from bot.outbox.codec import UnreadablePayload
from bot.outbox.failures import GiveUp, Hold, Retry, failed_ambiguously
from bot.outbox.kinds.auth_hold import AuthCheck
from bot.outbox.kinds.fetch_message import MessageFetched
from bot.outbox.payload import Payload
from bot.outbox.registry import KINDS
from bot.outbox.results import Nothing, Progress, Result
from bot.outbox.store import Effect
from bot.outbox.together import RunSender, SendsTogether
from bot.outbox.view import IncidentView, read_view
from bot.storage.db import Database

log = logging.getLogger(__name__)

MAX_ATTEMPTS_FOR_BUGS = 5
CHANNEL_PACE_SECONDS = 1.0  # Slack accepts about one message per second in a channel
# Heads of incidents' queues claimed in one transaction: enough to save most claims' transactions,
# few enough that a second sender (another process, the worker) finds heads of its own to send
# while this one talks to Slack; a head another sender got meanwhile is skipped, not fought over.
CLAIM_BATCH = 4
MISSED_ROUNDS = 3  # a round that got none of its heads reads again, this many times at most


class Sends(SendsTogether, Protocol):
    """What the sender needs of `bot.outbox.delivery.Delivery` (tests give a fake)."""

    def send(
        self, payload: Payload, view: IncidentView | None, progress: Progress = ..., *, attempt: Attempt
    ) -> Result: ...


class EffectSender:
    """Sends every due effect; safe to run in many threads and processes at once."""

    def __init__(
        self,
        db: Database,
        delivery: Sends,
        *,
        clock: Callable[[], datetime],
        on_message: Callable[[MessageFetched], None] | None = None,
        backoff: Backoff | None = None,
        pace_seconds: float = 0.0,
    ) -> None:
        self.db = db
        self.delivery = delivery
        self.clock = clock
        self.on_message = on_message  # a message fetched after a :pushpin:, to copy to the timeline
        self.learn_people: Callable[[frozenset[str]], None] | None = None  # names the table lacks
        self.backoff = backoff or Backoff()
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        # Lines of one incident's channel are sent at most once per `pace_seconds` (in this
        # process): what is acknowledged meanwhile waits and goes as one message (`bot.outbox.runs`),
        # so a busy channel costs one Slack call a second, not one a line, and stays inside Slack's
        # limit. 0 sends at once (the tests of the sender itself).
        self.pace_seconds = pace_seconds
        self._posted: dict[int, float] = {}  # incident id -> time.monotonic() of its last message
        self.next_in: float | None = None  # after `drain`: seconds until a paced line may go
        self.runs = RunSender(
            db,
            delivery,
            clock=clock,
            backoff=self.backoff,
            hold=self._hold,
            learn=self._learn,
            max_attempts_for_bugs=MAX_ATTEMPTS_FOR_BUGS,
        )

    def drain(self, *, stopping: Callable[[], bool] = lambda: False) -> int:
        """Send everything that is due now (or until `stopping()` says so between two effects);
        return how many effects were handled. Lines held back by the channel's pace are left
        pending; `next_in` says when the first of them may go (None: none waits).

        Each round claims up to `CLAIM_BATCH` heads that may go now in one transaction (with the
        run queued behind each head whose kind coalesces), then sends them one by one; what a
        round claimed but did not send is given back untouched (`_send_claimed`)."""
        handled = 0
        self.next_in = None
        missed = 0  # rounds in a row whose heads another sender had claimed first
        while not stopping():
            with self.db.read() as session:
                paused = store.auth_hold(session=session)
                due = [] if paused else store.claimable(session=session, now=self.clock())
            if paused is not None and paused.next_check <= self.clock():
                due = [store.Due(paused.id, None, store.AUTH_HOLD)]  # while paused, the check is the only thing sent
            ready = [head for head in due if not self._paced(head)][:CLAIM_BATCH]
            claimed = self._claim(ready, together=paused is None)
            if not claimed:
                missed += 1
                if ready and missed <= MISSED_ROUNDS:
                    continue  # others' now: the next read lists only heads nobody holds
                break
            missed = 0
            handled += self._send_claimed(claimed, stopping)
        self._forget_quiet_channels()
        return handled

    def _send_claimed(self, claimed: list[list[Effect]], stopping: Callable[[], bool]) -> int:
        """Send a round's runs one by one; how many effects were handled. What is not sent is
        given back untouched: when stopping, when Slack refused the token (the outbox is paused
        now), when half the lease has gone by (another sender may take a run whose lease ran out
        while this one was talking to Slack: it would be sent twice), and when sending failed
        (the database went away while recording an outcome): never left leased for the lease's
        two minutes."""
        claimed_at = self.clock()
        handled = 0
        for position, run in enumerate(claimed):
            if stopping() or self.clock() - claimed_at > store.LEASE / 2:
                self._give_back(claimed[position:])
                return handled
            handled += len(run)
            try:
                sent = self._send(run)
            except BaseException:
                self._give_back_if_possible(claimed[position + 1 :])
                raise
            if not sent:
                self._give_back(claimed[position + 1 :])
                return handled
        return handled

    def _paced(self, head: store.Due) -> bool:
        """Must `head` wait for its channel's pace? (Then `next_in` counts it.)"""
        kind = KINDS.get(head.kind)
        if self.pace_seconds <= 0 or head.incident_id is None or kind is None or not kind.coalesces:
            return False
        last = self._posted.get(head.incident_id)
        wait = 0.0 if last is None else last + self.pace_seconds - time.monotonic()
        if wait <= 0:
            return False
        self.next_in = wait if self.next_in is None else min(self.next_in, wait)
        return True

    def _forget_quiet_channels(self) -> None:
        quiet = time.monotonic() - self.pace_seconds
        for incident_id in [i for i, at in self._posted.items() if at <= quiet]:
            del self._posted[incident_id]

    def _send(self, run: list[Effect]) -> bool:
        """Send one claimed run (or effect) and record the outcome; False when the outbox is paused now."""
        effect = run[0]
        ids = {"effect_id": effect.id, "incident_id": effect.incident_id, "effect_kind": effect.kind}
        with log_context(**ids):
            sent = self._run(effect) if len(run) == 1 else self.runs.run(run)
        if effect.payload.coalesces and effect.incident_id is not None:
            self._posted[effect.incident_id] = time.monotonic()
        return sent

    def _claim(self, heads: list[store.Due], *, together: bool = True) -> list[list[Effect]]:
        """Lease these heads in one transaction, each with the run queued behind it when its kind
        coalesces (`bot.outbox.runs`): the runs this sender got, in the heads' order (another
        sender may have got some first). A head this version cannot read (a newer kind, after a
        rollback) is given up with the reason, so `incident-bot outbox retry` can send it once it can."""
        if not heads:
            return []
        claimed: list[list[Effect]] = []
        with self.db.write() as session:
            now = self.clock()
            rows = store.claim_many(
                session=session, effect_ids=[head.id for head in heads], worker=self.worker, now=now
            )
            for head in heads:
                if head.id not in rows:
                    continue  # another sender's now
                try:
                    effect = store.effect_of(rows[head.id])
                except UnreadablePayload as error:
                    log.error("effect %s given up: %s", head.id, error)
                    store.mark_failed(session=session, effect_id=head.id, now=now, retry_at=None, error=str(error))
                    continue
                if together and effect.payload.coalesces and not failed_ambiguously(effect.last_error):
                    followers = runs.claim_followers(session=session, head=effect, worker=self.worker, now=now)
                    claimed.append([effect, *followers])
                else:  # after an ambiguous failure the head is sent alone: what it posted is found by part
                    claimed.append([effect])
        return claimed

    def _give_back_if_possible(self, claimed: list[list[Effect]]) -> None:
        try:
            self._give_back(claimed)
        except Exception:  # the database is away: the leases run out in two minutes instead
            log.exception("could not give back %d claimed runs", len(claimed))

    def _give_back(self, claimed: list[list[Effect]]) -> None:
        """Claimed but not sent this round: pending again at once, no attempt counted."""
        ids = [effect.id for run in claimed for effect in run]
        if ids:
            with self.db.write() as session:
                runs.release(session=session, effect_ids=ids)

    def _learn(self, people: frozenset[str]) -> None:
        if self.learn_people is not None:
            self.learn_people(people)

    def check_now(self) -> None:
        """The token was accepted (auth.test at start-up): check held work at once, not in a minute."""
        with self.db.write() as session:
            store.check_now(session=session, now=self.clock())

    def _run(self, effect: Effect) -> bool:
        """Send one claimed effect and record the outcome; False when the outbox is paused now."""
        if isinstance(effect.payload, AuthCheck):
            return self._check(effect)
        if self._skipped(effect):
            return True
        try:
            result = self._deliver(effect)
        except Retry as retry:
            self._retry_later(effect, retry)
        except Hold as refused:
            self._hold(effect, str(refused))
            return False
        except GiveUp as error:
            log.warning("effect %s %s given up: %s", effect.id, effect.kind, error)
            self._finish(effect, error=str(error))
        except Exception as error:  # a bug: keep the effect, but not forever
            log.exception("effect %s %s failed unexpectedly", effect.id, effect.kind)
            self._bug(effect, error)
        else:
            self._done(effect, result)
        return True

    def _skipped(self, effect: Effect) -> bool:
        """Settled without Slack: expired (a modal's trigger), or superseded by a later card or topic."""
        if effect.expires_at is not None and self.clock() > effect.expires_at:
            self._finish(effect, error="expired before it could be sent")
            return True
        if effect.payload.superseded_by_later:
            with self.db.read() as session:
                later = store.has_later(session=session, effect=effect)
            if later:
                self._done(effect, Nothing(note="superseded by a later one"))
                return True
        return False

    def _deliver(self, effect: Effect) -> Result:
        """Deliver the effect; raises what `Delivery.send` raises (and any bug)."""
        attempt = Attempt(effect_id=effect.id, maybe_sent=failed_ambiguously(effect.last_error))
        view = read_view(self.db, effect.payload, effect.incident_id)
        if view is not None and view.unnamed and self.learn_people is not None:
            self.learn_people(view.unnamed)  # after the ack: asking Slack costs nobody a wait
            view = read_view(self.db, effect.payload, effect.incident_id)
        result = self.delivery.send(effect.payload, view, progress=self._progress(effect), attempt=attempt)
        if isinstance(result, MessageFetched) and self.on_message is not None:
            # Before the fetch is marked done: a crash in between fetches again; adding is idempotent.
            self.on_message(result)
        return result

    def _wait(self, retry: Retry, attempts: int) -> timedelta:
        """Slack's Retry-After exactly when it sent one; else backoff with jitter."""
        if retry.after_seconds is not None:
            return timedelta(seconds=retry.after_seconds)
        return self.backoff.after(attempts)

    def _retry_later(self, effect: Effect, retry: Retry) -> None:
        wait = self._wait(retry, effect.attempts)
        log.info("effect %s %s: retry in %.1fs (%s)", effect.id, effect.kind, wait.total_seconds(), retry)
        now = self.clock()
        with self.db.write() as session:
            store.mark_failed(session=session, effect_id=effect.id, now=now, retry_at=now + wait, error=str(retry))

    def _bug(self, effect: Effect, error: Exception) -> None:
        now = self.clock()
        last = effect.attempts + 1 >= MAX_ATTEMPTS_FOR_BUGS
        retry_at = None if last else now + self.backoff.after(effect.attempts)
        with self.db.write() as session:
            store.mark_failed(session=session, effect_id=effect.id, now=now, retry_at=retry_at, error=repr(error))

    def _hold(self, effect: Effect, error: str) -> None:
        now = self.clock()
        with self.db.write() as session:
            started = store.hold(
                session=session, effect_id=effect.id, now=now, error=error, check_at=now + self.backoff.held_every
            )
        if started:
            log.error(
                "Slack refused the bot token (%s): Slack work is held, nothing is lost; checking every %ds. "
                "Fix SLACK_BOT_TOKEN or the app's scopes; `incident-bot outbox` lists the held work",
                error,
                self.backoff.held_every.total_seconds(),
            )

    def _check(self, pause: Effect) -> bool:
        """The paused outbox's check: send the oldest held effect again; True when the pause ended."""
        with self.db.read() as session:
            oldest = store.auth_hold(session=session)
            held = store.oldest_held(session=session)
        if oldest is not None and oldest.id != pause.id:  # two senders paused at once: one check is enough
            self._done(pause, Nothing(note="a second pause"))
            return True
        if held is None:  # a person sent it all again (`incident-bot outbox retry`)
            return self._resume()
        now = self.clock()
        if self._skipped(held):  # settled without Slack: check with the next held effect, now
            with self.db.write() as session:
                store.postpone(session=session, effect_id=pause.id, until=now)
            return True
        try:
            result = self._deliver(held)
        except Hold as refused:
            log.warning("Slack still refuses the bot token (%s); %s stays held", refused, held.kind)
            with self.db.write() as session:
                store.mark_held(session=session, effect_id=held.id, error=str(refused))
                store.postpone(
                    session=session, effect_id=pause.id, until=now + self.backoff.held_every, error=str(refused)
                )
            return False
        except Retry as retry:  # Slack is down as well: check again soon, as for any outage
            with self.db.write() as session:
                store.mark_held(session=session, effect_id=held.id, error=str(retry))
                store.postpone(session=session, effect_id=pause.id, until=now + self._wait(retry, pause.attempts))
            return False
        except GiveUp as error:  # Slack took the token and refused only this effect
            log.warning("effect %s %s given up: %s", held.id, held.kind, error)
            self._finish(held, error=str(error))
        except Exception as error:
            log.exception("effect %s %s failed unexpectedly", held.id, held.kind)
            self._resume()
            self._bug(held, error)
            return True
        else:
            self._done(held, result)
        return self._resume()

    def _resume(self) -> bool:
        """End the pause: held work is pending again, due now."""
        with self.db.write() as session:
            released = store.release_held(session=session, now=self.clock())
        if released:
            log.warning("Slack accepts the bot token again: %d held effects are sent now", released)
        return True

    def _progress(self, effect: Effect) -> Progress:
        def save(result: Result) -> None:
            with self.db.write() as session:
                self._remember(session, effect, result)

        return save

    def _remember(self, session: Session, effect: Effect, result: Result) -> None:
        """Store what Slack gave back (each kind's result knows what; a fetched message was handed
        to `on_message` already, in `_send`)."""
        result.remember(session, effect.incident_id)

    def _done(self, effect: Effect, result: Result) -> None:
        with self.db.write() as session:
            self._remember(session, effect, result)
            store.mark_done(session=session, effect_id=effect.id, now=self.clock(), note=result.outcome())

    def _finish(self, effect: Effect, *, error: str) -> None:
        with self.db.write() as session:
            store.mark_failed(session=session, effect_id=effect.id, now=self.clock(), retry_at=None, error=error)
