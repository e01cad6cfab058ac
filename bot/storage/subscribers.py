"""Subscribers in SQL (bot.domain.subscribers): stores and reads, decides nothing. Flat functions
over the caller's session, never committing: the service owns the transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from bot.domain.subscribers import Medium, Subscriber, SubscriberState
from bot.storage import deliveries
from bot.storage.sql import core
from bot.storage.subscriber_tables import SubscriberRow


@dataclass(frozen=True)
class Keys:
    """What a subscriber's links are signed over, with the secrets a send needs."""

    nonce: str | None  # the confirmation links' (None once confirmed)
    unsubscribe_nonce: str
    secret: str | None  # a webhook's signing secret


def stored(row: SubscriberRow) -> Subscriber:
    assert row.id is not None
    return Subscriber(
        id=row.id,
        medium=Medium(row.medium),
        address=row.address,
        language=row.language,
        components=frozenset(filter(None, row.components.split(","))),
        state=SubscriberState(row.state),
        created_at=row.created_at,
        confirmed_at=row.confirmed_at,
    )


def keys_of(row: SubscriberRow) -> Keys:
    return Keys(nonce=row.nonce, unsubscribe_nonce=row.unsubscribe_nonce, secret=row.secret)


def find(*, session: Session, medium: Medium, address: str, for_update: bool = False) -> SubscriberRow | None:
    query = select(SubscriberRow).where(SubscriberRow.medium == medium.value, SubscriberRow.address == address)
    return session.exec(query.with_for_update() if for_update else query).first()


def get(*, session: Session, subscriber_id: int, for_update: bool = False) -> SubscriberRow | None:
    query = select(SubscriberRow).where(SubscriberRow.id == subscriber_id)
    return session.exec(query.with_for_update() if for_update else query).first()


def insert(
    *,
    session: Session,
    medium: Medium,
    address: str,
    language: str,
    components: Iterable[str],
    state: SubscriberState,
    unsubscribe_nonce: str,
    now: datetime,
    nonce: str | None = None,
    secret: str | None = None,
) -> SubscriberRow:
    row = SubscriberRow(
        medium=medium.value,
        address=address,
        language=language,
        components=",".join(sorted(components)),
        state=state.value,
        nonce=nonce,
        unsubscribe_nonce=unsubscribe_nonce,
        secret=secret,
        created_at=now,
        changed_at=now,
        confirmed_at=now if state is SubscriberState.CONFIRMED else None,
    )
    session.add(row)
    session.flush()
    return row


def ask_again(
    *, session: Session, subscriber_id: int, language: str, components: Iterable[str], nonce: str, now: datetime
) -> None:
    """A subscriber who had left (unsubscribed, bounced) asks again: pending, with a new nonce."""
    _set(
        session,
        subscriber_id,
        state=SubscriberState.PENDING.value,
        language=language,
        components=",".join(sorted(components)),
        nonce=nonce,
        changed_at=now,
        confirmed_at=None,
    )


def confirm(*, session: Session, subscriber_id: int, nonce: str, now: datetime) -> bool:
    """Confirmed, if still pending with this nonce (False: the link was used or replaced)."""
    done = core(session).execute(
        update(SubscriberRow)
        .where(
            col(SubscriberRow.id) == subscriber_id,
            col(SubscriberRow.nonce) == nonce,
            col(SubscriberRow.state) == SubscriberState.PENDING.value,
        )
        .values(state=SubscriberState.CONFIRMED.value, nonce=None, confirmed_at=now, changed_at=now)
    )
    return bool(done.rowcount)


def unsubscribe(*, session: Session, subscriber_id: int, unsubscribe_nonce: str, now: datetime) -> bool:
    """Unsubscribed (False: no such subscriber with this nonce). Unsubscribing twice is fine."""
    done = core(session).execute(
        update(SubscriberRow)
        .where(col(SubscriberRow.id) == subscriber_id, col(SubscriberRow.unsubscribe_nonce) == unsubscribe_nonce)
        .values(state=SubscriberState.UNSUBSCRIBED.value, nonce=None, changed_at=now)
    )
    return bool(done.rowcount)


def set_state(*, session: Session, subscriber_id: int, state: SubscriberState, now: datetime) -> None:
    _set(session, subscriber_id, state=state.value, changed_at=now)


def remove(*, session: Session, subscriber_id: int) -> None:
    """Forget a subscriber (an operator's `subscribers remove`): its deliveries go with it."""
    deliveries.forget_subscriber(session=session, subscriber_id=subscriber_id)
    row = session.get(SubscriberRow, subscriber_id)
    if row is not None:
        session.delete(row)


def listed(*, session: Session, medium: Medium | None = None) -> list[Subscriber]:
    query = select(SubscriberRow).order_by(col(SubscriberRow.id))
    if medium is not None:
        query = query.where(SubscriberRow.medium == medium.value)
    return [stored(row) for row in session.exec(query)]


def counts(*, session: Session) -> dict[tuple[Medium, SubscriberState], int]:
    """How many subscribers each medium has in each state."""
    query = select(SubscriberRow.medium, SubscriberRow.state, func.count()).group_by(
        col(SubscriberRow.medium), col(SubscriberRow.state)
    )
    return {(Medium(medium), SubscriberState(state)): int(n) for medium, state, n in session.exec(query)}


@dataclass(frozen=True)
class Receiver:
    """A confirmed subscriber as the fan-out needs it."""

    id: int
    medium: Medium
    language: str
    components: frozenset[str]


def receiving(*, session: Session) -> list[Receiver]:
    """Every confirmed subscriber (one indexed query, four columns)."""
    query = select(SubscriberRow.id, SubscriberRow.medium, SubscriberRow.language, SubscriberRow.components).where(
        SubscriberRow.state == SubscriberState.CONFIRMED.value
    )
    return [
        Receiver(int(subscriber_id), Medium(medium), language, frozenset(filter(None, components.split(","))))
        for subscriber_id, medium, language, components in session.exec(query)
        if subscriber_id is not None
    ]


def by_ids(*, session: Session, subscriber_ids: Iterable[int]) -> dict[int, SubscriberRow]:
    ids = list(set(subscriber_ids))
    if not ids:
        return {}
    rows = session.exec(select(SubscriberRow).where(col(SubscriberRow.id).in_(ids)))
    return {row.id: row for row in rows if row.id is not None}


def _set(session: Session, subscriber_id: int, **values: Any) -> None:
    core(session).execute(update(SubscriberRow).where(col(SubscriberRow.id) == subscriber_id).values(**values))
