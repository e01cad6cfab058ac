"""What people wait for, made ready while what it waits for is done (`Effect.read_first`: the card).

The person who opened an incident waits for its card, and nothing has to come between its three
Slack calls (create the channel, post the card, pin it: BENCHMARKS.md, issue 26). So while the
sender creates the channel (work of a lane others wait for, `registry.AWAITED_LANES`), a thread of
its own leases the card (`claims.claim_ahead`: the incident's `read_first` work that waits for
that lane and for nothing else) and reads its view. Once the channel is made, its result completes
that view (`Result.completes`: the channel, as recording it will store it) and the card goes at
once, in a thread of its own, while the creation is recorded and what else it lets go (the invite,
the topic, the first lines) is claimed and sent (`EffectSender._chain`). The card's post never waits
for a database round trip, nor shares the interpreter with the others' reads.

When the creation failed, or its result cannot say what the card needs (a channel adopted after a
crash may be another incident's), or the view could not be read, the card is given back at once
and waits for the record like the rest. Otherwise nothing changes: the card is leased like any
claim (no other sender takes it), recorded by itself, and its updates wait for it to be done. Its
`ts` may be recorded before the channel is: recording a new channel keeps it
(`repository.set_channel`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.outbox import claims
from bot.outbox.claims import Claimed
from bot.outbox.codec import UnreadablePayload
from bot.outbox.effect import Effect
from bot.outbox.registry import AWAITED_LANES, KINDS
from bot.outbox.results import Attempted, Result
from bot.outbox.view import IncidentView
from bot.storage.db import Database

log = logging.getLogger(__name__)

# The kinds read ahead, by the lane they wait for: those people wait for (`Effect.read_first`).
READ_FIRST: dict[str, tuple[str, ...]] = {
    lane: tuple(sorted(kind for kind, effect in KINDS.items() if effect.read_first and effect.after == lane))
    for lane in AWAITED_LANES
}

Ready = tuple[list[Claimed], tuple[IncidentView, ...]]  # a batch to send now, with its views
Read = Callable[[Sequence[Effect], int], tuple[IncidentView, ...]]  # the sender's read of a batch's views


class Ahead:
    """The work read ahead of one batch being sent (the channel's creation): leased and read in a
    thread of its own (`start`), then sent or given back by what the batch brought (`ready`)."""

    def __init__(
        self, db: Database, read: Read, *, team_id: str, incident_id: int, lane: str, worker: str, now: datetime
    ) -> None:
        self.db = db
        self.read = read
        self.team_id, self.incident_id, self.lane = team_id, incident_id, lane
        self.worker, self.now = worker, now
        self.claimed: list[Claimed] = []
        self.views: list[tuple[IncidentView, ...]] = []
        self.thread = threading.Thread(target=self._lease_and_read, name="effect-ahead", daemon=True)

    @classmethod
    def start(cls, db: Database, read: Read, first: Claimed, *, team: str, worker: str, now: datetime) -> Ahead | None:
        """For a batch of a lane others wait for: its incident's read-first work leased and read
        beside it; None for other work."""
        if first.incident_id is None or first.lane is None or not READ_FIRST.get(first.lane):
            return None
        ahead = cls(db, read, team_id=team, incident_id=first.incident_id, lane=first.lane, worker=worker, now=now)
        ahead.thread.start()
        return ahead

    def _lease_and_read(self) -> None:
        try:
            with self.db.write_each() as session:
                rows = claims.claim_ahead(
                    session=session,
                    team_id=self.team_id,
                    now=self.now,
                    incident_id=self.incident_id,
                    lane=self.lane,
                    kinds=READ_FIRST[self.lane],
                    worker=self.worker,
                )
            for row in rows:
                try:
                    self.claimed.append(claims.claimed(row))
                except UnreadablePayload:  # given back below: its reason is recorded once it is claimed
                    self.give_back([row.id])
            for each in self.claimed:
                self.views.append(self.read([each.effect], self.incident_id))
        except Exception:  # the database away: what was leased is given back, and goes with the rest
            log.exception("could not read ahead the work of incident %s", self.incident_id)

    def ready(self, attempted: Attempted | None, *, go: bool = True) -> list[Ready]:
        """Once the batch it was read beside came back: each batch read ahead, with its view
        completed by what came back (`Result.completes`), to send now; none when the batch failed
        or cannot say, or was not sent (None), or not `go` (the sender is stopping), and then what
        was leased is given back (it waits for the record, or for the next process)."""
        self.thread.join()
        completed = [
            tuple(view for view in (attempted.completes(each) for each in views) if view is not None)
            if isinstance(attempted, Result)
            else ()
            for views in self.views
        ]
        if (
            go
            and len(completed) == len(self.claimed)
            and all(len(done) == len(views) for done, views in zip(completed, self.views, strict=True))
        ):
            return [([each], done) for each, done in zip(self.claimed, completed, strict=True)]
        self.give_back([each.id for each in self.claimed])
        return []

    def give_back(self, effect_ids: list[int]) -> None:
        """Leased, not sent: pending again at once, no attempt counted."""
        if not effect_ids:
            return
        try:
            with self.db.write_each() as session:
                claims.release(session=session, effect_ids=effect_ids)
        except Exception:  # the lease runs out in two minutes instead
            log.exception("could not give back the work read ahead of incident %s", self.incident_id)


Send = Callable[[list[Claimed], tuple[IncidentView, ...]], object]  # the sender's `_send`, with views


class SentAhead:
    """The work read ahead that a sender's round sent early, each batch in a thread of its own
    (`send`); the round ends once they are done (`join`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._going: list[tuple[threading.Thread, int]] = []

    def send(self, ready: list[Ready], send: Send) -> None:
        for batch, views in ready:
            thread = threading.Thread(target=_send, args=(send, batch, views), name="effect-ahead-send", daemon=True)
            with self._lock:
                self._going.append((thread, len(batch)))
            thread.start()

    def join(self) -> int:
        """Once every batch sent early is done: how many effects they held."""
        with self._lock:
            going, self._going = self._going, []
        for thread, _ in going:
            thread.join()
        return sum(size for _, size in going)


def _send(send: Send, batch: list[Claimed], views: tuple[IncidentView, ...]) -> None:
    try:
        send(batch, views)
    except Exception:  # the database went away while recording it: its lease runs out instead
        log.exception("effect %s %s: sent ahead, not recorded", batch[0].id, batch[0].kind)
