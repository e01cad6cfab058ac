"""The subscribers' lane in the background: `MAIL_SENDERS` mail threads per process, each a sender
with its one reused SMTP connection (what a message costs is mostly waiting for the server's
replies, and smtplib does not pipeline: several connections wait at once), and `WEBHOOK_WORKERS`
webhook threads; each hands out due fan-outs first. All are woken once a Publish or a correction
has committed its fan-out (`bot.drafts.DraftService.fanned_out`), not by every ack: other acks
record nothing for them, and waking them cost each note CPU beside the request's own."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.background import Background, Deadline
from bot.config import Settings
from bot.domain.subscribers import Medium
from bot.outbox.fan_out import FanOutSender
from bot.outbox.mailer import Mailer
from bot.outbox.subscriber_sender import SubscriberSender
from bot.outbox.webhooks import WebhookPoster
from bot.storage.db import Database

MAIL_SENDERS = 4
WEBHOOK_WORKERS = 2
POLL_SECONDS = 5.0  # at most this long between rounds when nothing wakes the thread


class SubscriberThread(Background):
    def __init__(self, lane: SubscriberLane, sender: SubscriberSender, medium: Medium, number: int = 0) -> None:
        super().__init__(f"subscribers-{medium.value}-{number}")
        self.lane = lane
        self.sender = sender
        self.medium = medium
        self.retry_seconds = POLL_SECONDS

    def run_round(self) -> float:
        self.lane.fan_out.run()
        if self.medium is Medium.MAIL:
            self.sender.drain_mail(stopping=self.stopping)
        else:
            self.sender.drain_webhooks(stopping=self.stopping)
        due = self.sender.next_in(self.medium)
        return POLL_SECONDS if due is None else min(POLL_SECONDS, max(due, 0.05))


@dataclass
class SubscriberLane:
    sender: SubscriberSender
    fan_out: FanOutSender
    threads: list[SubscriberThread]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def notify(self) -> None:
        for thread in self.threads:
            thread.notify()

    def stop(self, deadline: Deadline | None = None) -> None:
        deadline = deadline or Deadline()
        for thread in self.threads:
            thread.stop_by(deadline)
        senders = {id(thread.sender): thread.sender for thread in self.threads} | {id(self.sender): self.sender}
        for sender in senders.values():
            if sender.mailer is not None:
                sender.mailer.close()

    def drain(self) -> int:
        """One round of everything due, without the threads (`incident-bot worker --once`, tests)."""
        self.fan_out.run()
        return self.sender.drain_mail() + self.sender.drain_webhooks()


def build_lane(
    db: Database,
    settings: Settings,
    *,
    clock: Callable[[], datetime],
    mail_tls: ssl.SSLContext | None = None,
    poster: WebhookPoster | None = None,
) -> SubscriberLane:
    """The lane for these settings: a mail thread only when SMTP_URL is set; `mail_tls` replaces
    the system's certificate authorities (tests with their own certificate)."""

    def sender() -> SubscriberSender:
        mailer = Mailer(settings.smtp, tls_context=mail_tls) if settings.smtp is not None else None
        return SubscriberSender(db, settings, clock=clock, mailer=mailer, poster=poster)

    first = sender()
    fan_out = FanOutSender(db, languages=settings.languages, clock=clock, worker=first.worker)
    lane = SubscriberLane(first, fan_out, [])
    if settings.smtp is not None:
        senders = [first, *(sender() for _ in range(MAIL_SENDERS - 1))]
        lane.threads.extend(SubscriberThread(lane, each, Medium.MAIL, n) for n, each in enumerate(senders))
    lane.threads.extend(SubscriberThread(lane, first, Medium.WEBHOOK, n) for n in range(WEBHOOK_WORKERS))
    return lane
