"""Subscribers in SQL (bot.domain.subscribers): stores and reads, decides nothing. Flat functions
over the caller's session, never committing: the service owns the transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from bot.domain.subscribers import Medium, Subscriber, SubscriberState
from bot.storage import deliveries
from bot.storage.sql import core
from bot.storage.subscriber_tables import SubscriberAliasRow, SubscriberRow


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


def by_unsubscribe_link(
    *, session: Session, subscriber_id: int, nonce: str, for_update: bool = False
) -> SubscriberRow | None:
    """The subscriber an unsubscribe link is for: its own, or one sent to a spelling of its
    address that migration 0034 merged into it (`SubscriberAliasRow`). None: no such link."""
    row = get(session=session, subscriber_id=subscriber_id, for_update=for_update)
    if row is not None and row.unsubscribe_nonce == nonce:
        return row
    alias = session.exec(
        select(SubscriberAliasRow).where(
            SubscriberAliasRow.id == subscriber_id, SubscriberAliasRow.unsubscribe_nonce == nonce
        )
    ).first()
    return None if alias is None else get(session=session, subscriber_id=alias.subscriber_id, for_update=for_update)


def by_confirmation_link(
    *, session: Session, subscriber_id: int, nonce: str, for_update: bool = False
) -> SubscriberRow | None:
    """The subscriber a confirmation link can still confirm: pending with this nonce, or the one a
    spelling that asked for it was merged into (0034), while that ask is open. None: none."""
    row = get(session=session, subscriber_id=subscriber_id, for_update=for_update)
    if row is not None and row.nonce == nonce and row.state == SubscriberState.PENDING.value:
        return row
    alias = _open_ask(session, subscriber_id, nonce)
    return None if alias is None else get(session=session, subscriber_id=alias.subscriber_id, for_update=for_update)


def _open_ask(session: Session, alias_id: int, nonce: str) -> SubscriberAliasRow | None:
    query = select(SubscriberAliasRow).where(SubscriberAliasRow.id == alias_id, SubscriberAliasRow.nonce == nonce)
    return session.exec(query).first()


def close_asks(*, session: Session, subscriber_id: int) -> None:
    """The open confirmations of spellings merged into this subscriber die (as its own does when
    it is confirmed, unsubscribes, bounces or asks again)."""
    core(session).execute(
        update(SubscriberAliasRow)
        .where(col(SubscriberAliasRow.subscriber_id) == subscriber_id, col(SubscriberAliasRow.nonce).is_not(None))
        .values(nonce=None)
    )


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
    """A subscriber who had left (unsubscribed, bounced), or is pending and asks for another
    language or other components, asks again: pending with what it asked, with a new nonce."""
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
    """Confirmed, if still pending with this nonce, or through the open ask of a spelling merged
    into it (False: the link was used or replaced)."""
    done = core(session).execute(
        update(SubscriberRow)
        .where(
            col(SubscriberRow.id) == subscriber_id,
            col(SubscriberRow.nonce) == nonce,
            col(SubscriberRow.state) == SubscriberState.PENDING.value,
        )
        .values(state=SubscriberState.CONFIRMED.value, nonce=None, confirmed_at=now, changed_at=now)
    )
    if done.rowcount:
        close_asks(session=session, subscriber_id=subscriber_id)
        return True
    alias = _open_ask(session, subscriber_id, nonce)
    if alias is None:
        return False
    used = core(session).execute(
        update(SubscriberAliasRow)
        .where(col(SubscriberAliasRow.id) == alias.id, col(SubscriberAliasRow.nonce) == nonce)
        .values(nonce=None)
    )
    if used.rowcount:
        _confirmed(session, alias, now)
    return bool(used.rowcount)


def _confirmed(session: Session, alias: SubscriberAliasRow, now: datetime) -> None:
    """Confirmed through a merged spelling's ask, with the language and components that ask chose
    (what its confirmation mail offered) where 0034 kept them; a confirmed subscriber stays
    confirmed since it was."""
    state = core(session).execute(select(SubscriberRow.state).where(SubscriberRow.id == alias.subscriber_id)).scalar()
    values: dict[str, Any] = {}
    if state != SubscriberState.CONFIRMED.value:
        values.update(state=SubscriberState.CONFIRMED.value, nonce=None, confirmed_at=now)
    if alias.language is not None:
        values.update(language=alias.language, components=alias.components or "")
    if values:
        core(session).execute(
            update(SubscriberRow).where(col(SubscriberRow.id) == alias.subscriber_id).values(changed_at=now, **values)
        )
    close_asks(session=session, subscriber_id=alias.subscriber_id)


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
    core(session).execute(delete(SubscriberAliasRow).where(col(SubscriberAliasRow.subscriber_id) == subscriber_id))
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
    close_asks(session=session, subscriber_id=subscriber_id)
