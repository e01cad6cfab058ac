"""The outbox sender: claims pending Slack work, sends it, and remembers the outcome.

Web processes run one `SenderThread` (woken right after each ack); `incident-bot worker`
runs the same loop to pick up whatever is left after a crash or a Slack outage. Each effect is
claimed by one sender at a time; a failure leaves it pending with a backoff, honouring
Slack's Retry-After. Transient failures are retried until they succeed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.domain import durations as durations_of
from bot.domain import markup
from bot.domain.durations import Durations
from bot.domain.incident import EntryKind, Incident, Status
from bot.effect_kinds import SUPERSEDED_BY_LATER
from bot.logs import log_context
from bot.slack.delivery import Delivered, Delivery, GiveUp, IncidentView, Retry
from bot.storage import drafts as stored_drafts
from bot.storage import outbox
from bot.storage import repository as repo
from bot.storage.db import Database
from bot.storage.outbox import Effect

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=5)
MAX_ATTEMPTS_FOR_BUGS = 5


def backoff(attempts: int) -> timedelta:
    """1 s, 2 s, 4 s ... capped at five minutes."""
    return min(MAX_BACKOFF, timedelta(seconds=2 ** min(attempts, 10)))


class EffectSender:
    """Sends every due effect; safe to run in many threads and processes at once."""

    def __init__(
        self,
        db: Database,
        delivery: Delivery,
        *,
        clock: Callable[[], datetime],
        on_message: Callable[[dict[str, Any], dict[str, Any]], None] | None = None,
    ) -> None:
        self.db = db
        self.delivery = delivery
        self.clock = clock
        self.on_message = on_message  # (the fetch effect's payload, the message Slack returned)
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"

    def drain(self) -> int:
        """Send everything that is due now; return how many effects were handled."""
        handled = 0
        while True:
            with self.db.read() as session:
                due = outbox.claimable(session=session, now=self.clock())
            progressed = False
            for effect_id in due:
                with self.db.write() as session:
                    effect = outbox.claim(session=session, effect_id=effect_id, worker=self.worker, now=self.clock())
                if effect is not None:
                    ids = {"effect_id": effect.id, "incident_id": effect.incident_id, "effect_kind": effect.kind.value}
                    with log_context(**ids):
                        self._run(effect)
                    handled += 1
                    progressed = True
            if not progressed:
                return handled

    def _run(self, effect: Effect) -> None:
        now = self.clock()
        if effect.expires_at is not None and now > effect.expires_at:
            self._finish(effect, error="expired before it could be sent")
            return
        if effect.kind in SUPERSEDED_BY_LATER:
            with self.db.read() as session:
                if outbox.has_later(session=session, effect=effect):
                    self._done(effect, Delivered(note="superseded by a later one"))
                    return
        try:
            view = self._view(effect)
            delivered = self.delivery.send(effect.kind, effect.payload, view, progress=self._progress(effect))
            if delivered.message is not None and self.on_message is not None:
                # Before the fetch is marked done: a crash in between fetches again; adding is idempotent.
                self.on_message(effect.payload, delivered.message)
        except Retry as retry:
            wait = timedelta(seconds=retry.after_seconds) if retry.after_seconds else backoff(effect.attempts)
            log.info("effect %s %s: retry in %ss (%s)", effect.id, effect.kind, wait.total_seconds(), retry)
            with self.db.write() as session:
                outbox.mark_failed(
                    session=session,
                    effect_id=effect.id,
                    now=self.clock(),
                    retry_at=self.clock() + wait,
                    error=str(retry),
                )
            return
        except GiveUp as error:
            log.warning("effect %s %s given up: %s", effect.id, effect.kind, error)
            self._finish(effect, error=str(error))
            return
        except Exception as error:  # a bug: keep the effect, but not forever
            log.exception("effect %s %s failed unexpectedly", effect.id, effect.kind)
            retry_at = None if effect.attempts + 1 >= MAX_ATTEMPTS_FOR_BUGS else self.clock() + backoff(effect.attempts)
            with self.db.write() as session:
                outbox.mark_failed(
                    session=session,
                    effect_id=effect.id,
                    now=self.clock(),
                    retry_at=retry_at,
                    error=repr(error),
                )
            return
        self._done(effect, delivered)

    def _view(self, effect: Effect) -> IncidentView | None:
        """Everything the delivery needs, read now (so cards and topics show the latest state)."""
        draft_id = effect.payload.get("draft_id")
        entry_id = effect.payload.get("entry_id")
        with self.db.read() as session:
            draft = stored_drafts.get(session=session, draft_id=int(draft_id)) if draft_id else None
            incident_id = effect.incident_id if draft is None else draft.incident_id
            if incident_id is None:
                return None
            stored = repo.get_by_id(session=session, incident_id=incident_id)
            entry = repo.get_entry(session=session, entry_id=int(entry_id)).entry if entry_id else None
            durations = None
            if stored.incident.status is Status.RESOLVED or (entry and entry.status_to is Status.RESOLVED):
                durations = self._durations_until(session, stored.id, entry_id, stored.incident)
            people = {stored.incident.lead, stored.incident.opened_by}
            people |= markup.user_ids(stored.incident.title) | markup.user_ids(stored.incident.impact)
            if entry is not None:
                people |= {entry.actor, entry.text} if entry.kind is EntryKind.LEAD else {entry.actor}
                people |= markup.user_ids(entry.text)
            if draft is not None:
                people |= {draft.created_by, draft.edited_by or "", draft.decided_by or ""}
            names = repo.names(session=session, user_ids=people)
        return IncidentView(
            incident=stored.incident,
            channel_name=stored.channel_name,
            card_ts=stored.card_ts,
            names=names,
            entry=entry,
            durations=durations,
            draft=draft,
        )

    @staticmethod
    def _durations_until(session: Session, incident_id: int, entry_id: object, incident: Incident) -> Durations:
        """Durations as they stood at `entry_id` (the close being reported), or now."""
        entries = repo.timeline(session=session, incident_id=incident_id)
        if entry_id:
            entries = [item for item in entries if item.id <= int(str(entry_id))]
        until = max((item.entry.at for item in entries), default=None)
        return durations_of.compute(incident, [item.entry for item in entries], until=until)

    def _progress(self, effect: Effect) -> Callable[[Delivered], None]:
        def save(delivered: Delivered) -> None:
            with self.db.write() as session:
                self._remember(session, effect, delivered)

        return save

    def _remember(self, session: Session, effect: Effect, delivered: Delivered) -> None:
        if delivered.channel is not None and effect.incident_id is not None:
            channel_id, name = delivered.channel
            repo.set_channel(session=session, incident_id=effect.incident_id, channel_id=channel_id, channel_name=name)
        if delivered.card_ts is not None and effect.incident_id is not None:
            repo.set_card(session=session, incident_id=effect.incident_id, card_ts=delivered.card_ts)
        draft_id = effect.payload.get("draft_id")
        if delivered.draft_message_ts is not None and draft_id:
            stored_drafts.change(session=session, draft_id=int(draft_id), message_ts=delivered.draft_message_ts)
        if delivered.draft_published_ts is not None and draft_id:
            stored_drafts.change(session=session, draft_id=int(draft_id), published_ts=delivered.draft_published_ts)

    def _done(self, effect: Effect, delivered: Delivered) -> None:
        with self.db.write() as session:
            self._remember(session, effect, delivered)
            outbox.mark_done(session=session, effect_id=effect.id, now=self.clock(), note=delivered.note)

    def _finish(self, effect: Effect, *, error: str) -> None:
        with self.db.write() as session:
            outbox.mark_failed(session=session, effect_id=effect.id, now=self.clock(), retry_at=None, error=error)


class SenderThread:
    """One background thread per process that drains the outbox, woken after every ack."""

    def __init__(self, sender: EffectSender, *, poll_seconds: float = 1.0) -> None:
        self.sender = sender
        self.poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="effect-sender", daemon=True)

    def start(self) -> SenderThread:
        self._thread.start()
        return self

    def notify(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
            try:
                self.sender.drain()
            except Exception:  # the database may be briefly away; the next round tries again
                log.exception("outbox drain failed; retrying in %ss", self.poll_seconds)
