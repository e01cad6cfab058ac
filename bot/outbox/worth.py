"""Whether a claimed effect is still worth sending (`settled`): expired (a modal's trigger), made
redundant by a later one of its kind (`has_later`: a card or topic rendered when sent), or
overtaken by a later one that was sent first (`overtaken`: PagerDuty's events). What is not worth
sending is settled without a Slack call, as `settled` says, and recorded like any outcome
(`bot.outbox.sender`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_
from sqlmodel import Session, col, select

from bot.outbox.claims import Claimed
from bot.outbox.codec import UnreadablePayload, decode, encode
from bot.outbox.failures import GiveUp, failed_ambiguously
from bot.outbox.results import Attempted, Nothing
from bot.outbox.store import DEAD
from bot.storage.db import Database
from bot.storage.effect_tables import EffectRow


def settled(db: Database, effect: Claimed, now: datetime) -> Attempted | None:
    """What to record, without calling Slack, for an effect not worth sending: expired (given up),
    superseded by a later card or topic, or overtaken by a later one (a PagerDuty trigger sent again
    after its resolve went or was given up: `overtaken`); None: it is worth sending."""
    if effect.expires_at is not None and now > effect.expires_at:
        return GiveUp("expired before it could be sent")
    # One that may have reached Slack goes again itself: its retry finds what it posted.
    if effect.effect.superseded_by_later and not failed_ambiguously(effect.last_error):
        with db.read_each() as session:
            later = has_later(session=session, effect=effect)
        if later:
            return Nothing(note="superseded by a later one")
    if effect.effect.overtaken_by_later:
        with db.read_each() as session:
            why = overtaken(session=session, effect=effect)
        if why is not None:
            return Nothing(note=why)
    return None


def has_later(*, session: Session, effect: Claimed) -> bool:
    """A later pending effect of the same kind in the same queue (incident, alert group; else
    with the same fields: one person's App Home) makes this one redundant."""
    queue: ColumnElement[bool]
    if effect.incident_id is not None:
        queue = col(EffectRow.incident_id) == effect.incident_id
    elif effect.alert_group_id is not None:  # the group's own queue (not its work queued behind an incident)
        queue = and_(col(EffectRow.alert_group_id) == effect.alert_group_id, col(EffectRow.incident_id).is_(None))
    else:
        queue = and_(col(EffectRow.incident_id).is_(None), col(EffectRow.payload) == encode(effect.effect))
    query = select(EffectRow.id).where(
        queue, EffectRow.kind == effect.kind, EffectRow.state == "pending", col(EffectRow.id) > effect.id
    )
    return session.exec(query.limit(1)).first() is not None


def overtaken(*, session: Session, effect: Claimed) -> str | None:
    """A later effect of the same kind and incident that overtakes this one (`Effect.overtakes`)
    was sent, or is claimed by a sender (it could be claimed only while this one was given up: it
    waited for it), so this one would arrive after it, out of order; or the latest of those later
    ones is its subject's last word (`Effect.final`: a resolve) and was given up, so this one would
    say what that word took back (a trigger of an incident over). A later one given up that is no
    last word overtakes nothing: it said nothing (a re-page refused, like this trigger, before the
    routing key was fixed). Why this one is not sent, or None: it is."""
    if effect.incident_id is None:
        return None
    query = (
        select(EffectRow.payload, EffectRow.state, EffectRow.claimed_until)
        .where(
            EffectRow.incident_id == effect.incident_id,
            EffectRow.kind == effect.kind,
            col(EffectRow.id) > effect.id,
            col(EffectRow.state).in_(("pending", "done", DEAD)),
        )
        .order_by(col(EffectRow.id).desc())
    )
    latest = True
    for payload, state, claimed_until in session.exec(query):
        try:
            later = decode(effect.kind, str(payload))
        except UnreadablePayload:
            continue  # a row this version cannot read says nothing it can compare
        if not later.overtakes(effect.effect):
            continue
        if state == "done" or (state == "pending" and claimed_until is not None):
            return "not sent: a later one that overtakes it went first"
        if latest and state == DEAD and later.final:
            return "not sent: a later one that ends it was given up"
        latest = False
    return None
