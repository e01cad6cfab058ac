"""Subscribers with the whole bot: Publish pressed in Slack (the emulator, signed requests), the
mail received by a real SMTP server from the web process's own lane, and the published update's
message in the incident channel saying whom it reached; Slack down meanwhile holds back no mail.
On SQLite and PostgreSQL."""

from __future__ import annotations

import email
import email.policy
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest
from e2e_stack import Stack
from status_site import drafts_of, fetch, publish

from bot.domain.subscribers import Medium, SubscriberState
from bot.storage import subscribers
from tests.free_ports import free_port


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    def wait_for(self, count: int, seconds: float = 20.0) -> list[EmailMessage]:
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= count, f"{len(self.messages)} of {count} mails came"
        return self.messages


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    port = free_port()
    kept = Inbox()
    controller = Controller(kept, hostname="127.0.0.1", port=port)
    controller.start()
    yield kept, port
    controller.stop()


@pytest.fixture
def stack(make_stack: Callable[..., Stack], inbox: tuple[Inbox, int]) -> Stack:
    started = make_stack(
        settings={
            "SMTP_URL": f"smtp://127.0.0.1:{inbox[1]}",
            "INCIDENT_MAIL_FROM": "Chirper status <status@chirper.example>",
            "INCIDENT_STATUS_URL": "https://status.chirper.example/status",
            "INCIDENT_SECRET_KEY": "e2e-secret-0123456789abcdef0123456789",
        }
    )
    now = datetime.now(UTC)
    with started.runtime.db.write() as session:
        for n in range(3):
            subscribers.insert(
                session=session,
                medium=Medium.MAIL,
                address=f"reader{n}@example.com",
                language="en",
                components=(),
                state=SubscriberState.CONFIRMED,
                unsubscribe_nonce=f"n{n}",
                now=now,
            )
    return started


def test_publish_in_slack_mails_every_subscriber_and_the_message_says_whom_it_reached(
    stack: Stack, inbox: tuple[Inbox, int]
) -> None:
    kept, _ = inbox
    stack.user("alice").slash("open sev2 Checkout fails")
    stack.settle()
    channel = stack.channel_of(1)
    stack.user("alice").slash("draft en long", channel=channel)
    stack.settle()
    words = publish(stack, channel, "English · long", text="Checkout fails for some of you. We are on it.")
    mails = kept.wait_for(3)
    assert sorted(str(mail["To"]) for mail in mails) == [f"reader{n}@example.com" for n in range(3)]
    assert all(words in str(mail.get_body(("plain",)).get_content()) for mail in mails)  # type: ignore[union-attr]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        stack.settle()
        said = str(drafts_of(stack, channel)[-1].blocks)
        if "Sent to 3 status page subscribers" in said:
            break
        time.sleep(0.1)
    assert "Sent to 3 status page subscribers" in said
    assert "reader0" not in said
    metrics = fetch(stack.url, "/metrics").text
    assert 'incident_bot_subscribers{medium="mail",state="confirmed"} 3.0' in metrics
    assert 'incident_bot_subscriber_deliveries{kind="update",medium="mail",state="sent"} 3.0' in metrics


def test_slack_down_holds_back_no_mail(stack: Stack, inbox: tuple[Inbox, int]) -> None:
    kept, _ = inbox
    stack.user("alice").slash("open sev2 Checkout fails")
    stack.settle()
    channel = stack.channel_of(1)
    stack.user("alice").slash("draft en long", channel=channel)
    stack.settle()
    draft = drafts_of(stack, channel)[-1]
    stack.emulator.down()
    try:
        answer = stack.user("alice").click(channel, draft.ts, "draft.publish")
        assert answer.status == 200
        assert len(kept.wait_for(3)) == 3, "Slack's outage does not hold the mails"
    finally:
        stack.emulator.up()
    stack.settle(timeout=60)


def test_a_french_reader_gets_french_punctuation_and_an_english_reader_english(
    stack: Stack, inbox: tuple[Inbox, int]
) -> None:
    kept, _ = inbox
    with stack.runtime.db.write() as session:
        subscribers.insert(
            session=session,
            medium=Medium.MAIL,
            address="lectrice@example.fr",
            language="fr",
            components=(),
            state=SubscriberState.CONFIRMED,
            unsubscribe_nonce="nfr",
            now=datetime.now(UTC),
        )
    stack.user("alice").slash("open sev2 Checkout fails")
    stack.settle()
    channel = stack.channel_of(1)
    stack.user("alice").slash("public-title Paiements en panne", channel=channel)
    stack.user("alice").slash("draft en long", channel=channel)
    stack.settle()
    publish(stack, channel, "English · long", text="Checkout fails for some of you. We are on it.")
    mails = {str(mail["To"]): mail for mail in kept.wait_for(4)}
    french = mails["lectrice@example.fr"]
    assert french["Subject"] == "[Chirper] Paiements en panne\u00a0: Analyse en cours"
    text = str(french.get_body(("plain",)).get_content()).replace("\r\n", "\n")  # type: ignore[union-attr]
    assert text.startswith("Paiements en panne\u00a0: Analyse en cours\n")
    assert "Voir la page d'état\u00a0:\nhttps://status.chirper.example/status" in text
    english = str(mails["reader0@example.com"].get_body(("plain",)).get_content()).replace("\r\n", "\n")  # type: ignore[union-attr]
    assert english.startswith("Paiements en panne: Investigating\n")
    assert "See the status page:\nhttps://status.chirper.example/status" in english
