"""The App Home's publishes in the outbox (docs/architecture.md, The App Home's sender): queued
debounced, sent by a sender of their own so that they never stand in line before an incident
channel's work (nor hold it up), each rendered from the Home as it is when it goes.

`HomeSender` is the outbox's `EffectSender` claiming only the kinds whose `own_sender` is "home"
(the Slack sender claims every other kind: `bot.outbox.claims.claimable`); `HomeDelivery` reads the
person's Home (`read_home`, the App Home service's) and hands it to the kind's `send`
(`Sending.home`). The send path, its retries, Retry-After and the token pause are the outbox's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session, col, select

from bot.domain.home import Home
from bot.domain.triage import TriageView
from bot.outbox import store
from bot.outbox.attempts import Attempt
from bot.outbox.claims import Due
from bot.outbox.codec import UnreadablePayload, decode
from bot.outbox.delivery import Delivery
from bot.outbox.effect import Effect
from bot.outbox.registry import OWN_SENDERS
from bot.outbox.results import Progress, Result
from bot.outbox.sender import EffectSender
from bot.outbox.view import IncidentView
from bot.outbox.wakes import HOME
from bot.storage.effect_tables import PENDING, EffectRow
from bot.storage.sql import core


def enqueue_later(*, session: Session, team_id: str, effects: Sequence[tuple[Effect, datetime]], now: datetime) -> None:
    """Record work of no incident of workspace `team_id`, each effect not before its own time (a
    debounced App Home publish), in one statement."""
    rows = [
        {**store.row(incident_id=None, effect=each, now=now, team_id=team_id), "not_before": at} for each, at in effects
    ]
    if rows:
        core(session).execute(insert(EffectRow), rows)


def still_to_come(*, session: Session, team_id: str, kind: str, now: datetime) -> set[Effect]:
    """Workspace `team_id`'s pending work of `kind` that no sender holds now: work still to come,
    rendered when it goes, so that the same again would add nothing."""
    free = store.unleased(now)
    query = select(EffectRow.payload).where(PENDING, EffectRow.team_id == team_id, EffectRow.kind == kind, free)
    found: set[Effect] = set()
    for payload in session.exec(query):
        try:
            found.add(decode(kind, str(payload)))
        except UnreadablePayload:
            continue  # a row this version cannot read is no work to come
    return found


def claimable(
    *, session: Session, team_id: str, now: datetime, limit: int = 20, skip_kinds: Sequence[str] = ()
) -> list[Due]:
    """Workspace `team_id`'s App Home work that may be sent now: due, unleased (each publish is
    independent of every other; `skip_kinds`: held back by a pace, none here)."""
    free = store.unleased(now)
    kinds = [kind for kind in OWN_SENDERS.get(HOME, ()) if kind not in skip_kinds]
    query = (
        select(EffectRow.id, EffectRow.incident_id, EffectRow.kind)
        .where(PENDING, EffectRow.team_id == team_id, EffectRow.not_before <= now, free, col(EffectRow.kind).in_(kinds))
        .order_by(col(EffectRow.not_before), col(EffectRow.id))
        .limit(limit)
    )
    return [Due(int(i), incident, kind) for i, incident, kind in session.exec(query) if i is not None]


class HomeSender(EffectSender):
    """The outbox's sender, for the App Home's work only."""

    claimable = staticmethod(claimable)


class HomeDelivery:
    """`Delivery` with the person's App Home read when its publish is sent (`Sending.home`); any
    other kind (the token pause's check takes the oldest held work, whoever's) as `Delivery` sends it."""

    def __init__(self, delivery: Delivery, read_home: Callable[[Effect], Home]) -> None:
        self.delivery = delivery
        self.read_home = read_home

    def send(
        self,
        effects: Sequence[Effect],
        views: Sequence[IncidentView],
        progress: Progress,
        *,
        attempt: Attempt,
        group: TriageView | None = None,
    ) -> Result:
        # The pause's check may be any held work, whichever sender makes it: only a Home has a Home.
        home = self.read_home(effects[0]) if effects[0].own_sender == HOME else None
        return self.delivery.send(effects, views, progress, attempt=attempt, group=group, home=home)
