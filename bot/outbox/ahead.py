"""What people wait for, made ready while what it waits for is done (`Effect.read_first`: the card).

The person who opened an incident waits for its card, and nothing has to come between its three
Slack calls (create the channel, post the card, pin it: BENCHMARKS.md, issue 26). So while the
sender creates the channel (work of a lane others wait for, `registry.AWAITED_LANES`), a thread of
its own, begun once the creation's own view is read (`Ahead.begin`: two threads reading at once
take turns at the interpreter, and the creation is what everything waits for), leases the card
(`claims.claim_ahead`: the incident's `read_first` work that waits for that lane and for nothing
else) and reads its view. Once the channel is made, its result completes
that view (`Result.completes`: the channel, as recording it will store it) and the card goes at
once, in a thread of its own (`SentAhead`), while the creation is recorded and what else it lets go
(the invite, the topic, the first lines) is claimed and sent (`EffectSender._chain`): no database
round trip between create, post and pin.

The card's first step (its `ts`, written beside its pin: `bot.outbox.steps`) records the channel's
creation first, in the same write (`Ready.lets_go`): a card's `ts` is never stored without the
channel it is in, whichever of the two sends records first, and a creation whose own record failed
is found done by its retry ("channel exists"), not made again under another name.

The card is given back at once, pending for the rest of the round to claim (it then waits for the
record and reads its view again) when: the creation failed, was not sent, or cannot say what the
card needs (a channel adopted after a crash may be another incident's); the sender is stopping;
half the lease has gone by (a slow creation: another sender may take it); or anything failed. Its
view is read as every send's is (`EffectSender._read`): the names the members table lacks are
asked of Slack first, so in that rare case the creation's record waits for them too. A give-back
only clears this sender's own lease. Otherwise nothing changes: the card is leased like any claim
(no other sender takes it), recorded by itself, and its updates wait for it to be done.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.outbox import claims
from bot.outbox.claims import Claimed
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


Read = Callable[[Sequence[Effect], int], tuple[IncidentView, ...]]  # the sender's read of a batch's views


@dataclass(frozen=True)
class Ready:
    """A batch read ahead, to send now: its views completed by `lets_go`, the result of the batch it
    was read beside (the channel created), which its first step records first."""

    batch: list[Claimed]
    views: tuple[IncidentView, ...]
    lets_go: Result


class Ahead:
    """The work read ahead of one batch being sent (the channel's creation): leased and read in a
    thread of its own (`start`), then sent or given back by what the batch brought (`ready`)."""

    def __init__(
        self, db: Database, read: Read, *, team_id: str, incident_id: int, lane: str, worker: str, now: datetime
    ) -> None:
        self.db, self.read_views = db, read
        self.team_id, self.incident_id, self.lane = team_id, incident_id, lane
        self.worker, self.now = worker, now
        self.leased: list[int] = []  # every id leased, given back unless sent
        self.read: list[tuple[Claimed, tuple[IncidentView, ...]]] = []
        self.thread = threading.Thread(target=self._lease_and_read, name="effect-ahead", daemon=True)

    @staticmethod
    def wanted(first: Claimed) -> bool:
        """Whether work waits, to be read ahead, for `first`'s lane (the channel's creation)."""
        return first.incident_id is not None and first.lane is not None and bool(READ_FIRST.get(first.lane))

    @classmethod
    def beside(cls, db: Database, read: Read, first: Claimed, *, team_id: str, worker: str, now: datetime) -> Ahead:
        """The read-first work waiting for `first`'s lane (`wanted`), to lease and read beside it
        once `begin` is called: when `first`'s own views are read, just before its Slack call (two
        threads reading at once would each wait for the other's turn at the interpreter)."""
        assert first.incident_id is not None and first.lane is not None
        return cls(db, read, team_id=team_id, incident_id=first.incident_id, lane=first.lane, worker=worker, now=now)

    def begin(self) -> None:
        """Lease and read, in a thread of its own, while `first` is sent; no thread to be had: nothing
        is read ahead (the card goes with the rest), and `first` goes all the same."""
        try:
            self.thread.start()
        except RuntimeError:
            log.exception("no thread to read ahead the work of incident %s: it goes with the rest", self.incident_id)

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
            self.leased = [int(row.id) for row in rows]
            for row in rows:
                each = claims.claimed(row)
                self.read.append((each, self.read_views([each.effect], self.incident_id)))
        except Exception:  # the database away, a payload this version cannot read: all given back
            log.exception("could not read ahead the work of incident %s", self.incident_id)
            self.read = []

    def ready(self, attempted: Attempted | None, *, go: bool, now: datetime) -> list[Ready]:
        """Once the batch it was read beside came back (None: it was not sent): each batch read
        ahead with its views completed by what came back (`Result.completes`), to send now. None
        when the batch failed or cannot say, when not `go` (the sender is stopping), when half the
        lease has gone by, or when not all was read; what was leased and not returned is given back.
        Never begun (the batch failed before its Slack call): nothing was leased."""
        if self.thread.ident is not None:
            self.thread.join()
        ready: list[Ready] = []
        fresh = all(each.claimed_until is None or now < each.claimed_until - claims.LEASE / 2 for each, _ in self.read)
        if go and fresh and isinstance(attempted, Result) and len(self.read) == len(self.leased):
            for each, views in self.read:
                completed = tuple(done for done in map(attempted.completes, views) if done is not None)
                if len(completed) != len(views):
                    ready = []
                    break
                ready.append(Ready([each], completed, attempted))
        self.give_back([i for i in self.leased if i not in {r.batch[0].id for r in ready}])
        return ready

    def give_back(self, effect_ids: Sequence[int]) -> None:
        """Leased, not sent: pending again at once, no attempt counted, while still this sender's
        lease (`claims.give_back`)."""
        claims.give_back(self.db, effect_ids, worker=self.worker)


Send = Callable[[list[Claimed], Ready], object]  # the sender's `_send`, given what was read ahead


class SentAhead:
    """The work read ahead that a sender's round sends early, each batch in a thread of its own
    (`send`); the round ends once they are done (`join`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._going: list[tuple[threading.Thread, int]] = []

    def send(self, ahead: Ahead, attempted: Attempted | None, send: Send, *, go: bool, now: datetime) -> None:
        """What `ahead` read, sent now if `ready`; given back if anything fails on the way."""
        try:
            ready = ahead.ready(attempted, go=go, now=now)
        except Exception:
            log.exception("the work read ahead of incident %s is given back", ahead.incident_id)
            ahead.give_back(ahead.leased)
            return
        for each in ready:
            thread = threading.Thread(target=_send, args=(send, each), name="effect-ahead-send", daemon=True)
            try:
                thread.start()
            except Exception:  # no thread to be had: it goes with the rest
                log.exception("effect %s: not sent ahead", each.batch[0].id)
                ahead.give_back([each.batch[0].id])
                continue
            with self._lock:
                self._going.append((thread, len(each.batch)))

    def join(self) -> int:
        """Once every batch sent early is done: how many effects they held."""
        with self._lock:
            going, self._going = self._going, []
        for thread, _ in going:
            thread.join()
        return sum(size for _, size in going)


def _send(send: Send, ready: Ready) -> None:
    try:
        send(ready.batch, ready)
    except Exception:  # the database went away while recording it: its lease runs out instead
        log.exception("effect %s %s: sent ahead, not recorded", ready.batch[0].id, ready.batch[0].kind)
