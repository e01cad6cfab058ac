"""Migration 0034: one subscriber per mailbox. Mail subscribers whose addresses differ only in case
(stored apart before, each mailed every update) become one: the row of the latest decision, its
address lower-cased, holding every delivery record once; on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from migrating import migrate
from sqlmodel import select

from bot.domain.subscribers import Medium, SubscriberState
from bot.storage import subscribers
from bot.storage.db import Database
from bot.storage.subscriber_tables import DeliveryRow, SubscriberAliasRow, SubscriberRow

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_the_spellings_of_one_mailbox_become_its_latest_decision_with_every_delivery_once(empty_url: str) -> None:
    db = Database(empty_url)
    db.upgrade()
    migrate(db, "0033", down=True)
    with db.write() as session:

        def add(
            address: str, state: SubscriberState, day: int, keys: tuple[str, ...], medium: Medium = Medium.MAIL
        ) -> int:
            at = START + timedelta(days=day)
            row = subscribers.insert(
                session=session,
                medium=medium,
                address=address,
                language="en",
                components=(),
                state=state,
                unsubscribe_nonce=f"n{day}",
                now=at,
            )
            assert row.id is not None
            for key in keys:
                session.add(
                    DeliveryRow(
                        subscriber_id=row.id,
                        medium=medium.value,
                        kind=key.split(":")[0],
                        key=key,
                        state="sent",
                        created_at=at,
                        not_before=at,
                    )
                )
            return row.id

        first = add("ann@example.com", SubscriberState.CONFIRMED, 1, ("update:1", "update:2"))
        latest = add("ANN@example.com", SubscriberState.UNSUBSCRIBED, 2, ("update:2", "update:3"))
        asked = add("Ann@example.com", SubscriberState.PENDING, 3, ("confirmation:3",))
        bob = add("Bob@example.com", SubscriberState.CONFIRMED, 1, ("update:1",))
        hook = add("https://hooks.example.com/Status", SubscriberState.CONFIRMED, 1, (), Medium.WEBHOOK)
    db.upgrade()
    with db.read() as session:
        rows = {row.id: (row.address, row.state) for row in session.exec(select(SubscriberRow))}
        keys = sorted((row.subscriber_id, row.key) for row in session.exec(select(DeliveryRow)))
        aliases = {
            row.id: (row.subscriber_id, row.unsubscribe_nonce) for row in session.exec(select(SubscriberAliasRow))
        }
    assert rows == {
        latest: ("ann@example.com", "unsubscribed"),  # the mailbox's last decision: it unsubscribed
        bob: ("bob@example.com", "confirmed"),
        hook: ("https://hooks.example.com/Status", "confirmed"),  # a URL is not a mailbox
    }
    assert first not in rows and asked not in rows
    assert aliases == {first: (latest, "n1"), asked: (latest, "n3")}, "their links act on the row kept"
    assert keys == sorted(
        [
            (latest, "update:1"),
            (latest, "update:2"),
            (latest, "update:3"),
            (latest, "confirmation:3"),
            (bob, "update:1"),
        ]
    )
    db.dispose()
