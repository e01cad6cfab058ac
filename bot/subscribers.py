"""Subscriptions (docs/behaviour.md, Subscribers): subscribe, confirm, unsubscribe from the status
page, and the operators' webhooks; one transaction each.

The public answers never say whether an address is known: subscribing a new, a pending or a
confirmed address answers the same, and the only mail an unconfirmed address ever gets is its
confirmation (recorded here as a delivery, sent by the subscribers' sender after the answer).
Links are signed (bot.domain.signed); confirming takes a POST (a mail scanner that opens the link
confirms nothing), and so does unsubscribing (RFC 8058's one-click POST, or the page's button).
"""

from __future__ import annotations

import base64
import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.config import Settings
from bot.domain.fanout import confirmation_key
from bot.domain.limits import CONFIRMATIONS_PER_ADDRESS, SUBSCRIBE_PER_CLIENT, Limit
from bot.domain.signed import Addressee, BadLink, Purpose, keyed, verify
from bot.domain.subscribers import (
    AddressRefused,
    Medium,
    Subscriber,
    SubscriberCounts,
    SubscriberState,
    check_components,
    check_email,
    check_webhook_url,
    masked,
)
from bot.errors import NotFound, UsageError
from bot.storage import deliveries, form_limits, subscribers
from bot.storage.db import Database
from bot.storage.subscriber_tables import SubscriberRow

log = logging.getLogger(__name__)


class LimitReached(Exception):
    """Too many requests in this window; `retry_after` seconds until the next one."""

    def __init__(self, limit: Limit, retry_after: int) -> None:
        super().__init__(f"{limit.name} limit reached")
        self.limit = limit
        self.retry_after = retry_after


class BadChoice(UsageError):
    """A language or component the form does not offer; `key` names it in the wording."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Webhook:
    subscriber: Subscriber
    secret: str  # shown once, to the operator who added it


class SubscriberService:
    def __init__(
        self,
        db: Database,
        *,
        secret_key: str | None,
        languages: tuple[str, ...],
        components: Callable[[], Iterable[str]],
        clock: Callable[[], datetime],
        nonce: Callable[[], str] = lambda: secrets.token_urlsafe(12),
    ) -> None:
        self.db = db
        self.secret = secret_key  # INCIDENT_SECRET_KEY: required for the forms, not for webhooks
        self.languages = languages
        self.components = components  # the public catalog components a subscriber may follow
        self.clock = clock
        self.nonce = nonce

    @classmethod
    def from_settings(cls, db: Database, settings: Settings, *, clock: Callable[[], datetime]) -> SubscriberService:
        """Subscriptions as these settings allow them (the components to follow: the public catalog's)."""
        public = [component.id for component in settings.catalog.public()]
        return cls(
            db, secret_key=settings.secret_key, languages=settings.languages, components=lambda: public, clock=clock
        )

    @property
    def key(self) -> str:
        if self.secret is None:
            raise RuntimeError("INCIDENT_SECRET_KEY is not set: the subscription forms cannot work")
        return self.secret

    # --- the status page's forms -----------------------------------------------------------

    def subscribe(self, *, email: str, language: str, components: Iterable[str], client: str) -> None:
        """Ask for a confirmation mail; the same answer (none) whatever the address's state.
        Raises `AddressRefused`/`BadChoice` (nothing stored) or `LimitReached` (nothing stored)."""
        address = check_email(email)
        if language not in self.languages:
            raise BadChoice("language", f"{language!r} is not one of {', '.join(self.languages)}")
        try:
            chosen = check_components(components, self.components())
        except UsageError as error:
            raise BadChoice("components", error.message) from None
        with self.db.write() as session:
            now = self.clock()
            self._count(session, SUBSCRIBE_PER_CLIENT, f"client:{client}", now)
            self._count(session, CONFIRMATIONS_PER_ADDRESS, f"address:{address}", now)
            row = subscribers.find(session=session, medium=Medium.MAIL, address=address, for_update=True)
            if row is None:
                row = subscribers.insert(
                    session=session,
                    medium=Medium.MAIL,
                    address=address,
                    language=language,
                    components=chosen,
                    state=SubscriberState.PENDING,
                    nonce=self.nonce(),
                    unsubscribe_nonce=self.nonce(),
                    now=now,
                )
            elif row.state == SubscriberState.CONFIRMED.value:
                log.info("subscribe: %s is confirmed already; nothing sent", masked(address))
                return
            elif (
                row.state != SubscriberState.PENDING.value
                or row.nonce is None
                or _asked_otherwise(row, language, chosen)
            ):
                # the latest ask wins: pending with what it chose, a new link (the links mailed
                # before confirm what their mails said, so they die; the same ask again keeps them)
                assert row.id is not None
                subscribers.ask_again(
                    session=session,
                    subscriber_id=row.id,
                    language=language,
                    components=chosen,
                    nonce=self.nonce(),
                    now=now,
                )
            assert row.id is not None
            confirmation = deliveries.row(
                subscriber_id=row.id,
                medium=Medium.MAIL.value,
                kind="confirmation",
                key=confirmation_key(now),
                now=now,
            )
            deliveries.record(session=session, rows=[confirmation])
            log.info("subscribe: confirmation mail for %s recorded", masked(address))

    def _count(self, session: Session, limit: Limit, what: str, now: datetime) -> None:
        key = f"{limit.name}:{keyed(self.key, what)}"
        hits = form_limits.hit(session=session, key=key, window=limit.window(now), now=now)
        if hits > limit.hits:
            raise LimitReached(limit, limit.retry_after(now))

    def check_confirmation(self, token: str) -> None:
        """Raises `BadLink` unless the link can confirm (the page then asks for one click)."""
        with self.db.read() as session:
            self._pending(session, token)

    def confirm(self, token: str) -> None:
        """Confirm the subscription the link is for; raises `BadLink`."""
        with self.db.write() as session:
            link = self._pending(session, token, for_update=True)  # the subscriber's row locked first
            if not subscribers.confirm(
                session=session, subscriber_id=link.subscriber_id, nonce=link.nonce, now=self.clock()
            ):
                raise BadLink()
        log.info("subscriber %s confirmed", link.subscriber_id)

    def _pending(self, session: Session, token: str, *, for_update: bool = False) -> Addressee:
        """The link, if it can still confirm: its subscriber's, or a spelling's merged into it (0034).
        `for_update`: the subscriber's row locked, before any alias row, in the order an unsubscribe
        takes them (on PostgreSQL, the confirmation and the unsubscription of two spellings of one
        mailbox at once took them in opposite orders: a deadlock, answered 500)."""
        link = verify(self.key, Purpose.CONFIRM, token, self.clock())
        found = subscribers.by_confirmation_link(
            session=session, subscriber_id=link.subscriber_id, nonce=link.nonce, for_update=for_update
        )
        if found is None:
            raise BadLink()
        return link

    def check_unsubscribe(self, token: str) -> None:
        """Raises `BadLink` unless the link names a subscriber (unsubscribed already is fine)."""
        link = verify(self.key, Purpose.UNSUBSCRIBE, token, self.clock())
        with self.db.read() as session:
            found = subscribers.by_unsubscribe_link(session=session, subscriber_id=link.subscriber_id, nonce=link.nonce)
            if found is None:
                raise BadLink()

    def unsubscribe(self, token: str) -> None:
        """Unsubscribe the subscriber the link is for (again: nothing changes); raises `BadLink`.
        A link sent to a spelling migration 0034 merged away unsubscribes the mailbox's subscriber."""
        link = verify(self.key, Purpose.UNSUBSCRIBE, token, self.clock())
        with self.db.write() as session:
            now = self.clock()
            row = subscribers.by_unsubscribe_link(
                session=session, subscriber_id=link.subscriber_id, nonce=link.nonce, for_update=True
            )
            if row is None or row.id is None:
                raise BadLink()
            if row.state != SubscriberState.UNSUBSCRIBED.value:
                subscribers.unsubscribe(
                    session=session, subscriber_id=row.id, unsubscribe_nonce=row.unsubscribe_nonce, now=now
                )
                deliveries.give_up_pending(session=session, subscriber_id=row.id, now=now, error="unsubscribed")
            subscribers.close_asks(session=session, subscriber_id=row.id)  # a merged spelling's too
        log.info("subscriber %s unsubscribed", row.id)

    # --- counts, for /metrics, `incident-bot subscribers` and `/incident subscribers` -----------

    def counts(self) -> SubscriberCounts:
        with self.db.read() as session:
            return SubscriberCounts(subscribers.counts(session=session), deliveries.count_by_state(session=session))

    # --- operators: webhooks and listings ---------------------------------------------------

    def add_webhook(self, url: str, *, language: str, components: Iterable[str]) -> Webhook:
        address = check_webhook_url(url)
        if language not in self.languages:
            raise UsageError(f"--language {language} is not one of INCIDENT_LANGUAGES ({', '.join(self.languages)})")
        chosen = check_components(components, self.components())
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
        with self.db.write() as session:
            now = self.clock()
            if subscribers.find(session=session, medium=Medium.WEBHOOK, address=address) is not None:
                raise UsageError("That webhook is subscribed already (`incident-bot subscribers list`).")
            row = subscribers.insert(
                session=session,
                medium=Medium.WEBHOOK,
                address=address,
                language=language,
                components=chosen,
                state=SubscriberState.CONFIRMED,  # an operator added it: no confirmation
                unsubscribe_nonce=self.nonce(),
                secret=secret,
                now=now,
            )
            return Webhook(subscribers.stored(row), secret)

    def remove(self, which: str) -> Subscriber:
        """Forget a subscriber, named by its id or its address (an operator's `subscribers remove`)."""
        with self.db.write() as session:
            row = None
            if which.isdigit():
                row = subscribers.get(session=session, subscriber_id=int(which), for_update=True)
            for medium, address in _addresses(which):
                row = row or subscribers.find(session=session, medium=medium, address=address, for_update=True)
            if row is None or row.id is None:
                raise NotFound(f"No subscriber {which!r} (`incident-bot subscribers list` shows them).")
            removed = subscribers.stored(row)
            subscribers.remove(session=session, subscriber_id=row.id)
            return removed


def _asked_otherwise(row: SubscriberRow, language: str, components: Iterable[str]) -> bool:
    """A pending subscriber asks for another language or other components than it asked before."""
    return (row.language, row.components) != (language, ",".join(sorted(components)))


def _addresses(which: str) -> list[tuple[Medium, str]]:
    """What an operator's `which` is stored as: a mailbox as `check_email` writes it (whatever its
    case), a webhook's URL as written."""
    try:
        mailbox = [(Medium.MAIL, check_email(which))]
    except AddressRefused:
        mailbox = []
    return [*mailbox, (Medium.WEBHOOK, which.strip())]
