"""Subscribing again while the first request is still pending (docs/behaviour.md, Subscribers):
the latest ask wins, and its confirmation mail says what confirming subscribes to. Before, a
pending address asking for another language or other components was sent the first mail again,
in the first language, and confirming subscribed it to what it first asked. In-process with a
real SMTP server (aiosmtpd), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from subscriber_world import SmtpServer, SubscriberWorld, link_in, plain_smtp, text_of

from bot.domain.catalog import read_catalog
from bot.domain.subscribers import Medium
from bot.storage import subscribers
from bot.storage.db import Database

ADDRESS = "jane.doe@example.com"
CATALOG = """
[[component]]
id = "home"
name = { en = "Home page", fr = "Page d'accueil" }

[[component]]
id = "api"
name = { en = "API" }
"""


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from plain_smtp()


@pytest.fixture
def world(any_db: Database, smtp: SmtpServer) -> SubscriberWorld:
    return SubscriberWorld(any_db, smtp=smtp, catalog=read_catalog(CATALOG))


def stored(world: SubscriberWorld, address: str) -> tuple[str, str, str]:
    with world.db.read() as session:
        row = subscribers.find(session=session, medium=Medium.MAIL, address=address)
        assert row is not None
        return row.state, row.language, row.components


def said(message: object) -> str:
    return " ".join(text_of(message).split())  # type: ignore[arg-type]


def test_asking_for_something_else_while_pending_confirms_the_latest_ask_as_its_mail_says(
    world: SubscriberWorld, smtp: SmtpServer
) -> None:
    assert world.post("/status/subscribe", {"email": ADDRESS, "language": "fr"}, query="lang=fr").status == "200 OK"
    world.deliver()
    [french] = smtp.mailbox.to(ADDRESS)

    world.clock.now += timedelta(minutes=2)  # the reader changed their mind
    changed = {"email": "Jane.Doe@Example.COM", "language": "en", "component": "home"}  # one mailbox
    assert world.post("/status/subscribe", changed).status == "200 OK"
    assert stored(world, ADDRESS) == ("pending", "en", "home")
    world.deliver()
    [_, english] = smtp.mailbox.to(ADDRESS)
    assert "Vous avez demandé toutes les mises à jour que nous publions, en français." in said(french)
    assert english["Subject"] == "Confirm your Chirper status updates"
    assert "You asked only for the updates about Home page, in English." in said(english)
    assert "lang=en&t=" in link_in(english, "/status/confirm")

    old = world.open_link(link_in(french, "/status/confirm"), method="POST")
    assert old.status == "400 Bad Request", "the first mail's link confirmed what it no longer says"
    assert stored(world, ADDRESS) == ("pending", "en", "home")
    assert world.open_link(link_in(english, "/status/confirm"), method="POST").status == "200 OK"
    assert stored(world, ADDRESS) == ("confirmed", "en", "home")


def test_the_same_ask_again_while_pending_leaves_the_first_link_working(
    world: SubscriberWorld, smtp: SmtpServer
) -> None:
    for _ in range(2):
        form = {"email": ADDRESS, "language": "fr", "component": ["api", "home"]}
        assert world.post("/status/subscribe", form).status == "200 OK"
        world.deliver()
        world.clock.now += timedelta(minutes=2)
    first, second = smtp.mailbox.to(ADDRESS)
    assert "seulement les mises à jour concernant API, Page d'accueil, en français." in said(second)
    assert world.open_link(link_in(first, "/status/confirm"), method="POST").status == "200 OK"
    assert stored(world, ADDRESS) == ("confirmed", "fr", "api,home")
    assert world.open_link(link_in(second, "/status/confirm"), method="POST").status == "400 Bad Request"  # used
