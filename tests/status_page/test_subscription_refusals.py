"""Every bad input to the subscription forms, and the limits: the answer a person sees, and that
nothing was stored and nothing sent; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import timedelta

import pytest
from subscriber_world import SmtpServer, SubscriberWorld, plain_smtp

from bot.storage.db import Database

Unchanged = Callable[[Database], AbstractContextManager[None]]


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from plain_smtp()


@pytest.fixture
def world(any_db: Database, smtp: SmtpServer) -> SubscriberWorld:
    return SubscriberWorld(any_db, smtp=smtp)


BAD_ADDRESSES = [
    ("", "Write your email address."),
    ("jane", "That is not an email address"),
    ("jane@localhost", "That is not an email address"),
    ("jane@@example.com", "That is not an email address"),
    ("Jane <jane@example.com>", "That is not an email address"),
    ("jane@example.com, boss@example.com", "That is not an email address"),
    ("jane@example.com\r\nBcc: everyone@example.com", "line breaks or control characters"),
    ("jane@example.com\nSubject: free money", "line breaks or control characters"),
    ("jane\x00@example.com", "line breaks or control characters"),
    ("a" * 65 + "@example.com", "That is not an email address"),
    ("jane@" + "a" * 250 + ".com", "too long"),
]


@pytest.mark.parametrize(("address", "said"), BAD_ADDRESSES, ids=[repr(a)[:30] for a, _ in BAD_ADDRESSES])
def test_a_bad_address_is_refused_and_nothing_is_stored_or_sent(
    world: SubscriberWorld, smtp: SmtpServer, unchanged: Unchanged, address: str, said: str
) -> None:
    with unchanged(world.db):
        answer = world.subscribe(address)
        world.deliver()
    assert answer.status == "400 Bad Request"
    assert said in answer.text and answer.headers["Cache-Control"] == "no-store"
    assert smtp.mailbox.messages == []


HEADER_INJECTIONS = [
    {"email": "jane@example.com", "language": "en\r\nBcc: x@example.com"},
    {"email": "jane@example.com", "language": "de"},
    {"email": "jane@example.com", "language": "en", "component": "home\r\nX-Evil: 1"},
    {"email": "jane@example.com", "language": "en", "component": "no-such-component"},
    {"email": ["jane@example.com", "boss@example.com"], "language": "en"},
    {"language": "en"},
]


@pytest.mark.parametrize("form", HEADER_INJECTIONS, ids=range(len(HEADER_INJECTIONS)))
def test_any_other_field_that_is_not_what_the_form_offers_is_refused(
    world: SubscriberWorld, smtp: SmtpServer, unchanged: Unchanged, form: dict[str, object]
) -> None:
    with unchanged(world.db):
        answer = world.post("/status/subscribe", form)
        world.deliver()
    assert answer.status == "400 Bad Request" and "That did not work" in answer.text
    assert smtp.mailbox.messages == []


def test_an_oversized_form_is_refused_unread(world: SubscriberWorld, smtp: SmtpServer, unchanged: Unchanged) -> None:
    body = b"email=jane%40example.com&language=en&component=" + b"x" * 5000
    with unchanged(world.db):
        answer = world.post("/status/subscribe", body)
        unsubscribing = world.post("/status/unsubscribe", body, query="t=1.a.0.b")
    assert answer.status == unsubscribing.status == "413 Content Too Large"
    assert "too large" in answer.text


def test_bytes_that_are_not_utf8_are_refused(world: SubscriberWorld, unchanged: Unchanged) -> None:
    with unchanged(world.db):
        answer = world.post("/status/subscribe", b"email=jane%FF%FE@example.com&language=en")
    assert answer.status == "400 Bad Request"


def test_a_refusal_speaks_the_readers_language(world: SubscriberWorld) -> None:
    answer = world.post("/status/subscribe", {"email": "jane", "language": "fr"}, query="lang=fr")
    assert answer.status == "400 Bad Request" and "pas une adresse e-mail" in answer.text


def test_five_requests_an_hour_from_one_client_then_429(world: SubscriberWorld, smtp: SmtpServer) -> None:
    for n in range(5):
        assert world.subscribe(f"reader{n}@example.com", client="198.51.100.9").status == "200 OK"
    with_limit = world.subscribe("reader5@example.com", client="198.51.100.9")
    assert with_limit.status == "429 Too Many Requests" and "Too many requests" in with_limit.text
    retry_after = int(with_limit.headers["Retry-After"])
    assert 0 < retry_after <= 3600
    # Another client is not held back; behind the proxy, what the client wrote itself is not believed.
    assert world.subscribe("other@example.com", client="198.51.100.10").status == "200 OK"
    spoofed = world.subscribe("reader6@example.com", client="1.2.3.4, 198.51.100.9")
    assert spoofed.status == "429 Too Many Requests"
    world.clock.now += timedelta(seconds=retry_after)
    assert world.subscribe("reader5@example.com", client="198.51.100.9").status == "200 OK"
    world.deliver()
    assert len(smtp.mailbox.messages) == 7


def test_three_confirmation_mails_a_day_to_one_address_then_429(
    world: SubscriberWorld, smtp: SmtpServer, unchanged: Unchanged
) -> None:
    for n, spelling in enumerate(("jane@example.com", "Jane@example.com", "JANE@Example.COM")):
        world.clock.now += timedelta(minutes=5)
        assert world.subscribe(spelling, client=f"198.51.100.{n}").status == "200 OK"
    with unchanged(world.db):  # one mailbox however it is written: its fourth mail of the day is refused
        refused = world.subscribe("jAnE@example.com", client="198.51.100.50")
    assert refused.status == "429 Too Many Requests" and int(refused.headers["Retry-After"]) <= 86400
    world.deliver()
    assert len(smtp.mailbox.to("jane@example.com")) == 3


def test_ipv6_clients_count_per_64(world: SubscriberWorld) -> None:
    for n in range(5):
        assert world.subscribe(f"reader{n}@example.com", client=f"2001:db8:1:2::{n + 1}").status == "200 OK"
    assert world.subscribe("reader9@example.com", client="2001:db8:1:2:ffff::1").status == "429 Too Many Requests"
    assert world.subscribe("reader9@example.com", client="2001:db8:1:3::1").status == "200 OK"


def test_a_link_that_was_never_signed_changes_nothing(world: SubscriberWorld, unchanged: Unchanged) -> None:
    with unchanged(world.db):
        for route in ("/status/confirm", "/status/unsubscribe"):
            for token in ("", "1.abc.0.xyz", "../../etc/passwd", "1.a.0." + "A" * 22):
                answer = world.open_link(f"https://status.chirper.example{route}?t={token}", method="POST")
                assert answer.status == "400 Bad Request" and "cannot be used" in answer.text
