"""Sending a run (`bot.outbox.runs`): several effects of one incident and kind, claimed together,
sent in as few Slack calls as fit, and settled together: all done, all tried again later, all
held or all given up, so the run's order and each effect's record stay as if sent one by one."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from bot.outbox import runs, store
from bot.outbox.attempts import Attempt
from bot.outbox.backoff import Backoff
from bot.outbox.failures import GiveUp, Hold, Retry, failed_ambiguously
from bot.outbox.payload import Payload
from bot.outbox.results import Result
from bot.outbox.store import Effect
from bot.outbox.view import IncidentView, read_views
from bot.storage.db import Database

log = logging.getLogger(__name__)


class SendsTogether(Protocol):
    """What sending a run needs of `bot.outbox.delivery.Delivery` (tests give a fake)."""

    def send_together(
        self, payloads: Sequence[Payload], views: Sequence[IncidentView], *, attempt: Attempt
    ) -> Result: ...


class RunSender:
    def __init__(
        self,
        db: Database,
        delivery: SendsTogether,
        *,
        clock: Callable[[], datetime],
        backoff: Backoff,
        hold: Callable[[Effect, str], None],
        learn: Callable[[frozenset[str]], None],
        max_attempts_for_bugs: int,
    ) -> None:
        self.db = db
        self.delivery = delivery
        self.clock = clock
        self.backoff = backoff
        self.hold = hold  # pause the outbox on the run's first effect (`EffectSender._hold`)
        self.max_attempts_for_bugs = max_attempts_for_bugs
        self.learn = learn  # names the members table lacks, looked up (`EffectSender.learn_people`)

    def run(self, run: list[Effect]) -> bool:
        """Send a claimed run and settle it; False when Slack refused the token (the outbox pauses)."""
        head = run[0]
        try:
            result = self._send(run)
        except Retry as retry:
            wait = timedelta(seconds=retry.after_seconds) if retry.after_seconds is not None else None
            wait = wait or self.backoff.after(head.attempts)
            log.info(
                "%d effects from %s %s: retry in %.1fs (%s)", len(run), head.id, head.kind, wait.total_seconds(), retry
            )
            self._failed(run, retry_at=self.clock() + wait, error=str(retry))
        except Hold as refused:
            self.hold(head, str(refused))
            with self.db.write() as session:
                for effect in run[1:]:
                    store.mark_held(session=session, effect_id=effect.id, error=str(refused))
            return False
        except GiveUp as error:
            log.warning("%d effects from %s %s given up: %s", len(run), head.id, head.kind, error)
            self._failed(run, retry_at=None, error=str(error))
        except Exception as error:  # a bug: keep the effects, but not forever
            log.exception("%d effects from %s %s failed unexpectedly", len(run), head.id, head.kind)
            last = head.attempts + 1 >= self.max_attempts_for_bugs
            self._failed(
                run, retry_at=None if last else self.clock() + self.backoff.after(head.attempts), error=repr(error)
            )
        else:
            with self.db.write() as session:
                runs.mark_all_done(
                    session=session, effect_ids=[e.id for e in run], now=self.clock(), note=result.outcome()
                )
        return True

    def _send(self, run: list[Effect]) -> Result:
        attempt = Attempt(
            effect_id=run[0].id,
            maybe_sent=any(failed_ambiguously(effect.last_error) for effect in run),
            together=tuple(effect.id for effect in run),
        )
        payloads = [effect.payload for effect in run]
        incident_id = run[0].incident_id
        assert incident_id is not None  # only an incident's queue forms runs
        views = read_views(self.db, payloads, incident_id)
        unnamed = frozenset().union(*(view.unnamed for view in views))
        if unnamed:
            self.learn(unnamed)  # after the ack: asking Slack costs nobody a wait
            views = read_views(self.db, payloads, incident_id)
        return self.delivery.send_together(payloads, views, attempt=attempt)

    def _failed(self, run: list[Effect], *, retry_at: datetime | None, error: str) -> None:
        now = self.clock()
        with self.db.write() as session:
            for effect in run:
                store.mark_failed(session=session, effect_id=effect.id, now=now, retry_at=retry_at, error=error)
