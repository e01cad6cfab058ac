"""Handing a published update out to its subscribers: a fan-out (recorded in the transaction that
published it) becomes one delivery per subscriber who wants it (bot.domain.fanout).

Done after the ack, by the subscribers' senders, in chunks of `CHUNK` subscribers a transaction,
so a page with 10,000 subscribers never holds the database's write lock long enough to delay an
ack. Deliveries are unique per subscriber and update: a fan-out done twice (a sender died
half-way and its lease ran out) records nothing twice. What is sent is what the page shows now:
an incident made private meanwhile, or a text nobody published, is never handed out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.domain.drafts import DraftState
from bot.domain.fanout import choose, correction_key, same_update, update_key, wait_until
from bot.domain.subscribers import wants
from bot.outbox import store
from bot.outbox.kinds.update_draft import UpdateDraft
from bot.storage import catalog, deliveries, drafts, fan_outs, public, subscribers
from bot.storage.db import Database
from bot.storage.fan_outs import FanOut

log = logging.getLogger(__name__)

CHUNK = 1000  # subscribers handed out per transaction


def affected(session: Session, incident_id: int) -> frozenset[str]:
    """The catalog components the incident affects or affected (`/incident affects`): a subscriber
    who chose components hears only of incidents that put one of them in any state."""
    return frozenset(impact.component_id for impact in catalog.impacts(session=session, incident_id=incident_id))


def tell_responders(session: Session, rows: Sequence[dict[str, Any]], now: datetime) -> None:
    """The published texts' messages in their incident channels say whom they are going to (and,
    once sent, whom they reached: `SubscriberSender`)."""
    for draft_id, incident_id in sorted({(row["draft_id"], row["incident_id"]) for row in rows}):
        store.enqueue(session=session, incident_id=incident_id, effect=UpdateDraft(draft_id=draft_id), now=now)


@dataclass(frozen=True)
class Plan:
    """What one fan-out hands out: per subscriber, the delivery row; and when to come back."""

    rows: list[dict[str, Any]]
    again_at: datetime | None  # some subscribers wait for their language's text until then


class FanOutSender:
    def __init__(
        self,
        db: Database,
        *,
        languages: tuple[str, ...],
        clock: Callable[[], datetime],
        worker: str,
    ) -> None:
        self.db = db
        self.languages = languages
        self.clock = clock
        self.worker = worker

    def run(self) -> int:
        """Hand out every fan-out due now; how many deliveries were recorded."""
        recorded = 0
        while True:
            with self.db.write() as session:
                job = fan_outs.claim_next(session=session, worker=self.worker, now=self.clock())
            if job is None:
                return recorded
            recorded += self._hand_out(job)

    def _hand_out(self, job: FanOut) -> int:
        with self.db.read() as session:
            plan = self._plan(session, job, self.clock())
        recorded = 0
        for start in range(0, len(plan.rows), CHUNK):
            with self.db.write() as session:
                recorded += deliveries.record(session=session, rows=plan.rows[start : start + CHUNK])
        with self.db.write() as session:
            now = self.clock()
            tell_responders(session, plan.rows, now)
            if plan.again_at is not None and plan.again_at > now:
                fan_outs.later(
                    session=session,
                    fan_out_id=job.id,
                    at=plan.again_at,
                    delivered=recorded,
                    worker=self.worker,
                    now=now,
                )
            else:
                fan_outs.done(session=session, fan_out_id=job.id, delivered=recorded, now=now)
        log.info("fan-out %s (%s of draft %s): %d deliveries recorded", job.id, job.kind, job.draft_id, recorded)
        return recorded

    def _plan(self, session: Session, job: FanOut, now: datetime) -> Plan:
        draft = drafts.get(session=session, draft_id=job.draft_id)
        if draft is None or draft.state is not DraftState.PUBLISHED:
            return Plan([], None)
        incident = public.listed(session=session, incident_id=draft.incident_id)
        published = same_update(incident, draft.id) if incident is not None else []
        if incident is None or not published:  # made private, or not public from this update on
            return Plan([], None)
        receiving = {receiver.id: receiver for receiver in subscribers.receiving(session=session)}
        if job.kind == "correction":
            assert draft.corrected_at is not None
            key = correction_key(draft.id, draft.corrected_at)
            rows = [
                deliveries.row(
                    subscriber_id=subscriber_id,
                    medium=receiving[subscriber_id].medium.value,
                    kind="correction",
                    key=key,
                    incident_id=incident.key,
                    draft_id=draft.id,
                    now=now,
                )
                for subscriber_id, _ in deliveries.receivers(session=session, draft_id=draft.id)
                if subscriber_id in receiving
            ]
            return Plan(rows, None)
        key = update_key(incident.key, published[0].batch, published[0].status)
        done = deliveries.keyed(session=session, key=key)
        touched = affected(session, incident.key)
        batch = (published[0].batch, published[0].status)
        waiting = frozenset(
            proposed.language
            for proposed in drafts.proposed(session=session, incident_id=incident.key)
            if (proposed.created_at, proposed.status) == batch
        )
        rows, again_at = [], None
        for subscriber_id, receiver in receiving.items():
            if subscriber_id in done or not wants(receiver.components, touched):
                continue
            chosen = choose(published, receiver.language, self.languages, waiting=waiting, now=now)
            if chosen is None:
                again_at = wait_until(published)
                continue
            rows.append(
                deliveries.row(
                    subscriber_id=subscriber_id,
                    medium=receiver.medium.value,
                    kind="update",
                    key=key,
                    incident_id=incident.key,
                    draft_id=chosen.draft_id,
                    now=now,
                )
            )
        return Plan(rows, again_at)
