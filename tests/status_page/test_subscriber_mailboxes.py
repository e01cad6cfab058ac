"""One mailbox is one subscriber whatever the case of its address: on the status page's form, in
what operators type, and for the links already mailed to spellings that migration 0034 merged
into one subscriber; in-process with a real SMTP server, on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlmodel import select
from subscriber_world import SmtpServer, SubscriberWorld, html_of, link_in, plain_smtp, text_of

from bot.domain.fanout import confirmation_key
from bot.domain.subscribers import Medium, SubscriberState
from bot.errors import NOT_THERE
from bot.storage import deliveries, subscribers
from bot.storage.db import Database, alembic_config
from bot.storage.subscriber_tables import SubscriberRow

ADDRESS = "jane.doe@example.com"
ONE_CLICK = b"List-Unsubscribe=One-Click"
WAIT = 30  # seconds: only a failure waits this long


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from plain_smtp()


@pytest.fixture
def world(any_db: Database, smtp: SmtpServer) -> SubscriberWorld:
    return SubscriberWorld(any_db, smtp=smtp)


@pytest.fixture
def old_world(empty_url: str, smtp: SmtpServer) -> Iterator[SubscriberWorld]:
    """A database at 0033, before one mailbox was one subscriber (upgraded by the test)."""
    db = Database(empty_url)
    db.upgrade()
    with db.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0033")
    yield SubscriberWorld(db, smtp=smtp)
    db.dispose()


def stored(world: SubscriberWorld) -> list[tuple[str, str]]:
    with world.db.read() as session:
        return [(row.address, row.state) for row in session.exec(select(SubscriberRow).order_by(SubscriberRow.id))]


def add(
    world: SubscriberWorld, address: str, state: SubscriberState, *, ago: timedelta, language: str = "en", **more: Any
) -> int:
    """A subscriber as 0033 stored it, written `ago` before the world's now (a pending one with
    its confirmation mail recorded, as the form records it)."""
    at = world.clock.now - ago
    with world.db.write() as session:
        row = subscribers.insert(
            session=session,
            medium=Medium.MAIL,
            address=address,
            language=language,
            components=(),
            state=state,
            unsubscribe_nonce="u-" + address.replace("@", "-at-").replace(".", "-"),  # as URL-safe as a real one
            now=at,
            **more,
        )
        assert row.id is not None
        if state is SubscriberState.PENDING:
            confirmation = deliveries.row(
                subscriber_id=row.id, medium="mail", kind="confirmation", key=confirmation_key(at), now=at
            )
            deliveries.record(session=session, rows=[confirmation])
        return row.id


def test_one_mailbox_is_one_subscriber_whatever_case_its_address_is_written_in(
    world: SubscriberWorld, smtp: SmtpServer
) -> None:
    """`Jane.Doe@Example.com` reaches the mailbox `jane.doe@example.com` does: subscribed once, it
    is sent no second confirmation and each update once (it was a second subscriber, mailed twice)."""
    world.confirmed(ADDRESS, smtp.mailbox)
    again = world.subscribe("Jane.Doe@EXAMPLE.com", client="198.51.100.7")
    assert again.status == "200 OK" and "Check your inbox" in again.text
    world.publish(world.open(), text="Some of you cannot pay. We are on it.")
    world.deliver()
    world.deliver()
    received = [mail["To"] for mail in smtp.mailbox.messages]
    assert received == [ADDRESS, ADDRESS], "the confirmation, then the update, once"
    assert stored(world) == [(ADDRESS, "confirmed")]


def test_an_unsubscribe_link_mailed_to_a_merged_spelling_unsubscribes_the_mailbox(
    old_world: SubscriberWorld, smtp: SmtpServer, unchanged: Callable[[Database], Any]
) -> None:
    """Before 0034, Ann@ and ann@ were two subscribers, each mailed every update. The upgrade keeps
    ann@ (the later decision) and merges Ann@ into it; the unsubscribe link in the mails Ann@ was
    sent (its page and RFC 8058's one-click POST) still unsubscribes the mailbox, which got
    "This link cannot be used" while ann@'s row went on mailing it."""
    world = old_world
    merged = add(world, "Ann@Example.com", SubscriberState.CONFIRMED, ago=timedelta(days=2))
    add(world, "ann@example.com", SubscriberState.CONFIRMED, ago=timedelta(days=1))
    incident = world.open()
    world.publish(incident, text="Some of you cannot pay. We are on it.")
    world.deliver()
    [to_merged] = smtp.mailbox.to("Ann@Example.com")
    link = link_in(to_merged, "/status/unsubscribe")
    assert f"<{link}>" in to_merged["List-Unsubscribe"]
    assert f"t={merged}." in link, "the link names the row the upgrade merges away"

    world.db.upgrade()
    assert stored(world) == [("ann@example.com", "confirmed")]
    world.publish(incident, text="Still on it.")
    world.deliver()
    assert len(smtp.mailbox.to("ann@example.com")) == 2, "the mailbox is mailed once, by the row kept"

    forged = link.replace(f"t={merged}.u-", f"t={merged}.x-")
    with unchanged(world.db):
        for method in ("GET", "POST"):
            refused = world.open_link(forged, method=method, body=ONE_CLICK)
            assert refused.status == "400 Bad Request" and "This link cannot be used" in refused.text
    page = world.open_link(link)
    assert page.status == "200 OK" and "Unsubscribe" in page.text
    gone = world.open_link(link, method="POST", body=ONE_CLICK)
    assert gone.status == "200 OK" and "You are unsubscribed" in gone.text
    assert stored(world) == [("ann@example.com", "unsubscribed")]
    with unchanged(world.db):
        assert world.open_link(link, method="POST", body=ONE_CLICK).status == "200 OK", "twice is fine"
    world.publish(incident, text="Fixed.")
    world.deliver()
    assert len(smtp.mailbox.to("ann@example.com")) == 2, "nothing after unsubscribing"
    world.subscriptions.remove("ANN@EXAMPLE.COM")  # an erasure request: the old links go with it
    assert stored(world) == []
    with unchanged(world.db):
        assert world.open_link(link, method="POST", body=ONE_CLICK).status == "400 Bad Request"


def test_a_confirmation_mailed_to_a_merged_spelling_confirms_the_mailbox_once(
    old_world: SubscriberWorld, smtp: SmtpServer, unchanged: Callable[[Database], Any]
) -> None:
    """ann@ unsubscribed, then asked again as ANN@ (a pending row of its own before 0034). The
    upgrade keeps ann@'s decision; the confirmation ANN@ was mailed still subscribes the mailbox,
    once. A spelling that asked before the mailbox's last decision was overtaken by it."""
    world = old_world
    overtaken = add(world, "ANN@example.com", SubscriberState.PENDING, ago=timedelta(hours=5), nonce="c-early")
    add(world, "ann@example.com", SubscriberState.UNSUBSCRIBED, ago=timedelta(hours=3))
    add(world, "Ann@example.com", SubscriberState.PENDING, ago=timedelta(hours=1), nonce="c-late")
    world.deliver()
    early = link_in(smtp.mailbox.to("ANN@example.com")[0], "/status/confirm")
    late = link_in(smtp.mailbox.to("Ann@example.com")[0], "/status/confirm")
    assert f"t={overtaken}." in early

    world.db.upgrade()
    assert stored(world) == [("ann@example.com", "unsubscribed")]
    with unchanged(world.db):
        refused = world.open_link(early, method="POST")
        assert refused.status == "400 Bad Request", "asked before the mailbox unsubscribed"
    page = world.open_link(late)
    assert page.status == "200 OK" and "Confirm my subscription" in page.text
    confirmed = world.open_link(late, method="POST")
    assert confirmed.status == "200 OK" and "You are subscribed" in confirmed.text
    assert stored(world) == [("ann@example.com", "confirmed")]
    with unchanged(world.db):
        assert world.open_link(late, method="POST").status == "400 Bad Request", "a link confirms once"
    world.publish(world.open(), text="Some of you cannot pay. We are on it.")
    world.deliver()
    assert len(smtp.mailbox.to("ann@example.com")) == 1, "the update, to the mailbox subscribed"


def test_a_merged_spellings_confirmation_subscribes_in_the_language_it_asked_for(
    old_world: SubscriberWorld, smtp: SmtpServer
) -> None:
    """ann@ was subscribed in English and unsubscribed; then asked again as Ann@, in French. The
    confirmation Ann@ was mailed (in French) subscribes the mailbox in French, as the same ask on
    one subscriber would have: it confirmed the English of the decision the ask had overtaken."""
    world = old_world
    add(world, "ann@example.com", SubscriberState.UNSUBSCRIBED, ago=timedelta(hours=3))
    add(world, "Ann@example.com", SubscriberState.PENDING, ago=timedelta(hours=1), nonce="c-fr", language="fr")
    world.deliver()
    [asked] = smtp.mailbox.to("Ann@example.com")
    assert 'lang="fr"' in html_of(asked), "the confirmation mail was French"
    link = link_in(asked, "/status/confirm")

    world.db.upgrade()
    confirmed = world.open_link(link, method="POST")
    assert confirmed.status == "200 OK", confirmed.text
    with world.db.read() as session:
        [row] = session.exec(select(SubscriberRow)).all()
    assert (row.address, row.state, row.language) == ("ann@example.com", "confirmed", "fr")
    world.publish(world.open(), language="fr", text="Certains d'entre vous ne peuvent pas payer.")
    world.deliver()
    [update] = smtp.mailbox.to("ann@example.com")
    assert "Certains d'entre vous" in text_of(update), "the update, in French"


def test_operators_remove_a_mailbox_written_in_any_case(
    db: Database, smtp: SmtpServer, run_cli: Callable[..., int], capsys: pytest.CaptureFixture[str], unchanged: Any
) -> None:
    """An erasure request says `Jane.Doe@Example.COM`; the subscriber is stored lower-cased."""
    world = SubscriberWorld(db, smtp=smtp)
    world.confirmed(ADDRESS, smtp.mailbox)
    with unchanged(db):
        assert run_cli("subscribers", "remove", "Jane.Doe@Exampel.COM") == NOT_THERE
    assert "No subscriber 'Jane.Doe@Exampel.COM'" in capsys.readouterr().err
    assert run_cli("subscribers", "remove", " Jane.Doe@Example.COM") == 0
    assert capsys.readouterr().out.startswith("removed mail subscriber 1 ")
    assert stored(world) == []


class FirstLocks:
    """On PostgreSQL, holds each request's transaction right after its first statement that locked
    a subscriber's or an alias's row, until the other request holds its own or waits for a lock:
    the moment two requests taking their locks in opposite orders deadlock. Nothing is timed; the
    bound is for a failure only."""

    def __init__(self, db: Database) -> None:
        self.engine = db.engine
        self.watch = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
        self.holding = 0
        self.lock = threading.Lock()

    def __enter__(self) -> FirstLocks:
        sa.event.listen(self.engine, "after_cursor_execute", self.after)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(self.engine, "after_cursor_execute", self.after)
        self.watch.dispose()

    def after(self, connection: Any, cursor: Any, statement: str, *args: Any) -> None:
        locking = " FOR UPDATE" in statement or statement.startswith("UPDATE subscriber_alias")
        if not locking or cursor.rowcount < 1 or connection.info.get("held"):
            return
        connection.info["held"] = True
        with self.lock:
            self.holding += 1
        deadline = time.monotonic() + WAIT
        while self.holding < 2 and not self.someone_waits():
            assert time.monotonic() < deadline, "neither took a lock"
            time.sleep(0.01)

    def someone_waits(self) -> bool:
        with self.watch.connect() as connection:
            waiting = (
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            return bool(connection.execute(sa.text(waiting)).scalar())


def test_two_spellings_confirmed_and_unsubscribed_at_once_lock_in_one_order(
    old_world: SubscriberWorld, smtp: SmtpServer
) -> None:
    """ann@'s mails bounced; the mailbox asked again as Ann@ (merged into ann@ by 0034). Ann@'s
    confirmation and the unsubscribe link of a mail ann@ was sent, clicked at the same moment. The
    confirmation locked the alias's row, then the subscriber's; the unsubscription the subscriber's,
    then the alias's: on PostgreSQL one of them was a deadlock, answered 500. Both take the
    subscriber's first now: one waits for the other, and the mailbox ends unsubscribed (unsubscribed
    first, the ask it overtook cannot be used: 400)."""
    world = old_world
    kept = add(world, "ann@example.com", SubscriberState.CONFIRMED, ago=timedelta(hours=3))
    world.publish(world.open(), text="Some of you cannot pay. We are on it.")
    world.deliver()
    with world.db.write() as session:  # as 0033's sender recorded a bounce
        bounced = sa.update(SubscriberRow).where(sa.column("id") == kept)
        session.execute(bounced.values(state="bounced", changed_at=world.clock.now - timedelta(hours=2)))
    add(world, "Ann@example.com", SubscriberState.PENDING, ago=timedelta(hours=1), nonce="c-late")
    world.deliver()
    leave = link_in(smtp.mailbox.to("ann@example.com")[0], "/status/unsubscribe")
    confirm = link_in(smtp.mailbox.to("Ann@example.com")[0], "/status/confirm")
    world.db.upgrade()

    barrier = threading.Barrier(2)
    answers: dict[str, Any] = {}

    def click(name: str, link: str) -> None:
        barrier.wait()
        try:
            answers[name] = world.open_link(link, method="POST", body=ONE_CLICK).status
        except Exception as error:  # noqa: BLE001 - what a WSGI server answers 500
            answers[name] = error

    clicks = [threading.Thread(target=click, args=each) for each in (("confirm", confirm), ("leave", leave))]
    with FirstLocks(world.db) if not world.db.is_sqlite else contextlib.nullcontext():
        for each in clicks:
            each.start()
        for each in clicks:
            each.join()
    assert answers["leave"] == "200 OK", answers
    assert answers["confirm"] in ("200 OK", "400 Bad Request"), answers
    assert stored(world) == [("ann@example.com", "unsubscribed")]
