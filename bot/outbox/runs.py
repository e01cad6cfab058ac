"""Runs: consecutive pending effects of one incident and one kind, claimed and settled together.

When several timeline lines of an incident are waiting (a burst of notes, or a backlog after a
Slack outage), sending them one call each would take one Slack call per line, and Slack accepts
about one message per second in a channel. A kind whose `coalesces` is set has the effects
queued right behind a claimed one claimed in the same transaction (a run), sent as one message
(`Payload.send_together`), and marked done in one statement. Only the head of an incident's
queue is ever claimable, so the rest of a run cannot be claimed by anyone else meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.outbox import store
from bot.outbox.codec import UnreadablePayload
from bot.outbox.store import Effect
from bot.storage.sql import core
from bot.storage.tables import PENDING, EffectRow

MAX_RUN = 100  # effects claimed together at most (the message they make is cut at Slack's limits)


def claim_followers(
    *, session: Session, head: Effect, worker: str, now: datetime, limit: int = MAX_RUN
) -> list[Effect]:
    """Claim the effects queued right behind `head` (claimed by this sender): same incident, same
    kind, due and unleased, in order, stopping at the first that is not; at most `limit - 1`."""
    query = (
        select(EffectRow.id, EffectRow.kind, EffectRow.not_before, EffectRow.claimed_until)
        .where(EffectRow.incident_id == head.incident_id, PENDING, col(EffectRow.id) > head.id)
        .order_by(col(EffectRow.id))
        .limit(limit - 1)
    )
    wanted: list[int] = []
    for effect_id, kind, not_before, claimed_until in session.exec(query):
        if effect_id is None or kind != head.kind or not_before > now or (claimed_until and claimed_until >= now):
            break
        wanted.append(effect_id)
    if not wanted:
        return []
    claimed = store.claim_many(session=session, effect_ids=wanted, worker=worker, now=now)
    run: list[Effect] = []
    for effect_id in wanted:  # in order, up to the first one another sender holds (or none can read)
        row = claimed.get(effect_id)
        if row is None:
            break
        try:
            run.append(store.effect_of(row))
        except UnreadablePayload:
            break  # it is given up with its reason once it is the head of the queue
    release(session=session, effect_ids=[i for i in claimed if i not in {e.id for e in run}])
    return run


def release(*, session: Session, effect_ids: Sequence[int]) -> None:
    """Give claims back without an attempt (what was claimed but will not be sent now)."""
    if effect_ids:
        core(session).execute(
            update(EffectRow).where(col(EffectRow.id).in_(effect_ids)).values(claimed_by=None, claimed_until=None)
        )


def mark_all_done(*, session: Session, effect_ids: Sequence[int], now: datetime, note: str | None = None) -> None:
    core(session).execute(
        update(EffectRow)
        .where(col(EffectRow.id).in_(effect_ids))
        .values(state="done", done_at=now, claimed_until=None, last_error=note)
    )
