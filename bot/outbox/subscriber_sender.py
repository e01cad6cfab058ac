"""The subscribers' lane: sends the deliveries (bot.storage.deliveries) by mail and by webhook,
apart from the Slack outbox.

Apart, because what holds one must not hold the other: the Slack outbox sends each incident's
work in order and pauses everything while Slack refuses the token, and neither rule means
anything for a mail to a customer; and an update to 10,000 subscribers is 10,000 rows that the
Slack sender's claims would otherwise read past. So mail has its own sender (one per process,
over one reused SMTP connection, `Mailer`), webhooks theirs (a few workers, each posting one
delivery at a time, so a slow receiver holds one worker for at most its timeout), and both hand
out the due fan-outs first (`bot.outbox.fan_out`). Leases, the recorded outcome and the backoff
are the outbox's own ideas (`bot.outbox.backoff`), applied to these rows.

Outcomes, per delivery:
- sent: recorded with the others of its round (a crash before that sends them again: the same
  Message-ID or webhook-id, a duplicate the receiving side can recognise, never a loss);
- the address bounced (5xx on RCPT): failed, the subscriber `bounced`, nothing more sent to it;
- the mail server unreachable, or the connection lost: this delivery and the rest of the round
  wait together (one backoff for the lane, not one per message);
- a webhook refused or unanswered: retried with backoff (5 s doubling, at most 2 h apart) for
  `WEBHOOK_GIVE_UP_AFTER` (24 h), then failed and the subscription marked `failing`; 410 Gone
  marks it failing at once (Standard Webhooks' "disable the endpoint").
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from email.utils import parseaddr

from bot.config import Settings
from bot.domain.affects import ComponentImpact
from bot.domain.availability import period_start
from bot.domain.language import load_language
from bot.domain.public import ListedIncident, overall, public_ids
from bot.domain.signed import CONFIRMATION_LIFETIME, Addressee, Purpose, sign
from bot.domain.subscribers import Medium, SubscriberState, masked
from bot.outbox.backoff import Backoff
from bot.outbox.fan_out import tell_responders
from bot.outbox.mailer import Mailer, MailRefused, MailUnavailable
from bot.outbox.webhooks import WebhookFailed, WebhookPoster, signed
from bot.render import mime, statuspage
from bot.render.mail import Published, confirmation, update
from bot.render.public_components import components_view
from bot.render.public_links import CONFIRM, PAGE, SERVED, UNSUBSCRIBE, site_root
from bot.render.public_views import incident_view
from bot.storage import deliveries, history, public, subscribers
from bot.storage.db import Database
from bot.storage.deliveries import DueDelivery
from bot.storage.subscriber_tables import SubscriberRow

log = logging.getLogger(__name__)

MAIL_BATCH = 100  # deliveries claimed and sent in one round over the open connection
WEBHOOK_GIVE_UP_AFTER = timedelta(hours=24)
MAIL_BACKOFF = Backoff(first=timedelta(seconds=5), cap=timedelta(minutes=5))
WEBHOOK_BACKOFF = Backoff(first=timedelta(seconds=5), cap=timedelta(hours=2))
DOCUMENTATION = "https://github.com/incident-bot/incident-bot#subscribers"


class Skip(Exception):
    """Nothing to send for this delivery any more (the reason is kept)."""


class SubscriberSender:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        clock: Callable[[], datetime],
        mailer: Mailer | None,
        poster: WebhookPoster | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.mailer = mailer
        self.poster = poster or WebhookPoster()
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.root = site_root(settings.status_url, SERVED) or "/"
        self.sender_address = parseaddr(settings.mail_from or "")[1]
        self.domain = self.sender_address.rpartition("@")[2] or "localhost"

    # --- mail -------------------------------------------------------------------------------

    def drain_mail(self, *, stopping: Callable[[], bool] = lambda: False) -> int:
        """Send every mail due now, a round of `MAIL_BATCH` at a time; how many were handled."""
        handled = 0
        while not stopping():
            batch = self._claim(Medium.MAIL, MAIL_BATCH)
            if not batch:
                break
            handled += len(batch)
            if not self._send_mails(batch):
                break
        return handled

    def _send_mails(self, batch: list[DueDelivery]) -> bool:
        """Send a claimed round; False when the mail server is away (the rest waits)."""
        mailer = self.mailer
        sent: list[int] = []
        rows, incidents = self._read(batch)
        try:
            for position, delivery in enumerate(batch):
                try:
                    to, message = self._mail(delivery, rows.get(delivery.subscriber_id), incidents)
                    if mailer is None:
                        raise MailUnavailable("SMTP_URL is not set")
                    mailer.send(message, sender=self.sender_address, recipient=to)
                except Skip as skipped:
                    self._failed(delivery, str(skipped))
                except MailRefused as refused:
                    self._refused(delivery, refused)
                except MailUnavailable as away:
                    self._away([d.id for d in batch[position:]], batch[position].attempts, str(away))
                    return False
                else:
                    sent.append(delivery.id)
        finally:
            self._sent([d for d in batch if d.id in set(sent)])
        return True

    def _sent(self, done: list[DueDelivery]) -> None:
        """Record these as sent; a published text none is waiting for any more has its message in
        the incident channel updated, to say whom it reached."""
        with self.db.write() as session:
            now = self.clock()
            deliveries.mark_sent(session=session, ids=[d.id for d in done], now=now)
            texts = {(d.draft_id, d.incident_id) for d in done if d.draft_id is not None}
            waiting = deliveries.waiting_drafts(session=session, draft_ids=[draft for draft, _ in texts])
            finished = [
                row for row in ({"draft_id": d, "incident_id": i} for d, i in texts) if row["draft_id"] not in waiting
            ]
            tell_responders(session, finished, now)

    def _read(self, batch: list[DueDelivery]) -> tuple[dict[int, SubscriberRow], dict[int, ListedIncident | None]]:
        """The round's subscribers and incidents (as the public may read them now), read once."""
        with self.db.read() as session:
            rows = subscribers.by_ids(session=session, subscriber_ids=[d.subscriber_id for d in batch])
            incidents = {
                incident_id: public.listed(session=session, incident_id=incident_id)
                for incident_id in {d.incident_id for d in batch if d.incident_id is not None}
            }
        return rows, incidents

    def _names(self, components: str, language: str) -> list[str]:
        """The components a subscriber chose (stored ids), named in their language as the catalog is now."""
        ids = filter(None, components.split(","))
        return [found.name(language) if (found := self.settings.catalog.get(each)) else each for each in ids]

    def _mail(
        self, delivery: DueDelivery, row: SubscriberRow | None, incidents: dict[int, ListedIncident | None]
    ) -> tuple[str, bytes]:
        incident = incidents.get(delivery.incident_id) if delivery.incident_id is not None else None
        if row is None:
            raise Skip("the subscriber is gone")
        assert row.id is not None
        language = load_language(row.language)
        now = self.clock()
        if delivery.kind == "confirmation":
            if row.state != SubscriberState.PENDING.value or row.nonce is None:
                raise Skip("not waiting for a confirmation any more")
            expires = delivery.created_at + CONFIRMATION_LIFETIME
            if expires <= now:
                raise Skip("expired before it could be sent")
            token = sign(self._secret, Purpose.CONFIRM, Addressee(row.id, row.nonce), expires)
            letter = confirmation(
                language,
                public_name=self.settings.public_name,
                confirm_url=f"{self.root}{SERVED.address(CONFIRM, language.code)}&t={token}",
                components=self._names(row.components, language.code),
            )
            envelope = mime.Envelope(
                sender=self.settings.mail_from or self.sender_address,
                to=row.address,
                message_id=mime.message_id("confirm", delivery.id, self.domain),
                date=now,
                list_id=self._list_id,
            )
            return row.address, mime.message(letter, envelope)
        published = self._published(row, delivery, incident)
        token = sign(self._secret, Purpose.UNSUBSCRIBE, Addressee(row.id, row.unsubscribe_nonce))
        letter = update(
            language,
            published,
            public_name=self.settings.public_name,
            zone=self.settings.zone,
            page_url=f"{self.root}{SERVED.address(PAGE, language.code)}",
            unsubscribe_url=self._unsubscribe_url(language.code, token),
        )
        envelope = mime.Envelope(
            sender=self.settings.mail_from or self.sender_address,
            to=row.address,
            message_id=mime.message_id(delivery.kind, delivery.id, self.domain),
            date=now,
            list_id=self._list_id,
            unsubscribe_url=self._unsubscribe_url(language.code, token),
            unsubscribe_mailto=mime.unsubscribe_mailto(self.sender_address, token),
            references=(mime.message_id("incident", delivery.incident_id or 0, self.domain),),
        )
        return row.address, mime.message(letter, envelope)

    def _published(self, row: SubscriberRow, delivery: DueDelivery, incident: ListedIncident | None) -> Published:
        if row.state != SubscriberState.CONFIRMED.value:
            raise Skip(f"the subscriber is {row.state}")
        found = [u for u in incident.updates if u.draft_id == delivery.draft_id] if incident is not None else []
        if incident is None or not found:
            raise Skip("no longer public")
        [text] = found
        return Published(
            title=incident.public_title,
            status=text.status,
            text=text.text,
            language=text.language,
            published_at=text.published_at,
            correction=delivery.kind == "correction",
        )

    def _unsubscribe_url(self, language: str, token: str) -> str:
        """The page in the reader's language; RFC 8058's one-click POST goes to it as it is."""
        return f"{self.root}{SERVED.address(UNSUBSCRIBE, language)}&t={token}"

    @property
    def _list_id(self) -> str:
        return mime.list_id(self.settings.public_name, self.settings.status_url or "")

    @property
    def _secret(self) -> str:
        if self.settings.secret_key is None:
            raise Skip("INCIDENT_SECRET_KEY is not set")
        return self.settings.secret_key

    def _refused(self, delivery: DueDelivery, refused: MailRefused) -> None:
        now = self.clock()
        with self.db.write() as session:
            if not refused.permanent:
                wait = MAIL_BACKOFF.after(delivery.attempts)
                deliveries.mark_retry(session=session, delivery_id=delivery.id, retry_at=now + wait, error=str(refused))
                return
            deliveries.mark_failed(session=session, ids=[delivery.id], now=now, error=str(refused))
            if refused.bounced:
                subscribers.set_state(
                    session=session, subscriber_id=delivery.subscriber_id, state=SubscriberState.BOUNCED, now=now
                )
                deliveries.give_up_pending(
                    session=session, subscriber_id=delivery.subscriber_id, now=now, error="bounced"
                )
        log.warning("delivery %s refused by the mail server: %s", delivery.id, refused)

    def _away(self, ids: list[int], attempts: int, reason: str) -> None:
        wait = MAIL_BACKOFF.after(attempts)
        with self.db.write() as session:
            deliveries.postpone(session=session, ids=ids, retry_at=self.clock() + wait, error=reason)
        log.warning("mail: %s; %d deliveries wait %.0fs", reason, len(ids), wait.total_seconds())

    # --- webhooks ---------------------------------------------------------------------------

    def drain_webhooks(self, *, stopping: Callable[[], bool] = lambda: False) -> int:
        """Post every webhook delivery due now, one at a time; how many were handled."""
        handled = 0
        while not stopping():
            batch = self._claim(Medium.WEBHOOK, 1)
            if not batch:
                break
            handled += 1
            self._post(batch[0])
        return handled

    def _post(self, delivery: DueDelivery) -> None:
        now = self.clock()
        with self.db.read() as session:
            row = subscribers.get(session=session, subscriber_id=delivery.subscriber_id)
            incident = (
                public.listed(session=session, incident_id=delivery.incident_id) if delivery.incident_id else None
            )
            page_open = public.unresolved(session=session)
            since = period_start(now, self.settings.zone)
            impacts = history.in_period(session=session, since=since, until=now) if self.settings.catalog else []
        try:
            if row is None or row.secret is None:
                raise Skip("the webhook is gone")
            published = self._published(row, delivery, incident)  # still public, still subscribed
            assert incident is not None
            # The incident as it stood when this update was published: later ones are theirs to tell.
            then = replace(
                incident, updates=tuple(u for u in incident.updates if u.published_at <= published.published_at)
            )
            shown = [each.id for each in self.settings.catalog.public()]
            body = self._payload(row, then, page_open, now, (impacts, history.first_appeared(self.db, shown, now)))
            message = signed(body, secret=row.secret, message_id=f"msg_{delivery.kind}_{delivery.id}", at=now)
            self.poster.post(row.address, message)
        except Skip as skipped:
            self._failed(delivery, str(skipped))
        except WebhookFailed as failed:
            self._webhook_failed(delivery, row, failed)
        else:
            self._sent([delivery])

    def _payload(
        self,
        row: SubscriberRow,
        incident: ListedIncident,
        page_open: list[ListedIncident],
        now: datetime,
        components: tuple[list[ComponentImpact], Mapping[str, datetime]],  # the days' public impacts, each added
    ) -> str:
        """Statuspage's webhook: the page's status and the incident as the JSON API says them."""
        language, zone = load_language(row.language), self.settings.zone
        page_url = self.settings.status_url or f"{self.root}{SERVED.home}"
        namespace, shown = self.settings.public_name, self.settings.catalog.public()
        view = incident_view(incident, language, self.settings.languages, zone, namespace=namespace, components=shown)
        page = components_view(shown, components[0], language=language, zone=zone, now=now, bars=False)
        state = statuspage.status(overall([each.state for each in page.components], page_open, public_ids(shown)))
        documents = statuspage.components(page, namespace=namespace, added=components[1])
        document = {
            "meta": {
                "unsubscribe": page_url,
                "documentation": DOCUMENTATION,
                "generated_at": statuspage.timestamp(now),
            },
            "page": {
                "id": statuspage.page_id(namespace),
                "status_indicator": state["indicator"],
                "status_description": state["description"],
            },
            "incident": statuspage.incident(
                view, namespace=namespace, page_url=page_url, components_now={each["id"]: each for each in documents}
            ),
        }
        return json.dumps(document, separators=(",", ":"), ensure_ascii=False)

    def _webhook_failed(self, delivery: DueDelivery, row: SubscriberRow | None, failed: WebhookFailed) -> None:
        now = self.clock()
        gone = failed.status == 410
        if gone or now - delivery.created_at >= WEBHOOK_GIVE_UP_AFTER:
            with self.db.write() as session:
                deliveries.mark_failed(session=session, ids=[delivery.id], now=now, error=str(failed))
                subscribers.set_state(
                    session=session, subscriber_id=delivery.subscriber_id, state=SubscriberState.FAILING, now=now
                )
                deliveries.give_up_pending(
                    session=session, subscriber_id=delivery.subscriber_id, now=now, error="failing"
                )
            shown = masked(row.address) if row is not None else delivery.subscriber_id
            log.warning("webhook %s marked failing: %s", shown, failed)
            return
        wait = WEBHOOK_BACKOFF.after(delivery.attempts)
        if failed.retry_after is not None:
            wait = max(wait, timedelta(seconds=failed.retry_after))
        with self.db.write() as session:
            deliveries.mark_retry(session=session, delivery_id=delivery.id, retry_at=now + wait, error=str(failed))

    # --- shared -----------------------------------------------------------------------------

    def _claim(self, medium: Medium, limit: int) -> list[DueDelivery]:
        with self.db.write() as session:
            now = self.clock()
            ids = deliveries.due(session=session, medium=medium.value, now=now, limit=limit)
            return deliveries.claim(session=session, ids=ids, worker=self.worker, now=now)

    def _failed(self, delivery: DueDelivery, reason: str) -> None:
        with self.db.write() as session:
            deliveries.mark_failed(session=session, ids=[delivery.id], now=self.clock(), error=reason)

    def next_in(self, medium: Medium) -> float | None:
        """Seconds until the next delivery by `medium` is due (None: none pending)."""
        with self.db.read() as session:
            due = deliveries.next_due(session=session, medium=medium.value)
        return None if due is None else max(0.0, (due - self.clock()).total_seconds())
