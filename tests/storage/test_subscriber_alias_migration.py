"""Migration 0036: `subscriber_alias` on every database, whichever version of 0034 upgraded it. The
first version of 0034 merged a mailbox's spellings without the table (every link looked up in it
failed), the second kept it without the language and components of a merged spelling's open ask;
on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from migrating import migrate
from sqlmodel import select

from bot.domain.subscribers import Medium, SubscriberState
from bot.storage import subscribers
from bot.storage.db import Database
from bot.storage.subscriber_tables import SubscriberAliasRow, SubscriberRow
from bot.storage.tables import SQLModel

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def at_0035_without_the_alias_table(empty_url: str) -> Database:
    """A database upgraded with the first 0034 (then 0035): no `subscriber_alias`, one subscriber."""
    db = Database(empty_url)
    db.upgrade()
    migrate(db, "0035", down=True)
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP INDEX ix_subscriber_alias_subscriber"))
        connection.execute(sa.text("DROP TABLE subscriber_alias"))
    with db.write() as session:
        subscribers.insert(
            session=session,
            medium=Medium.MAIL,
            address="ann@example.com",
            language="en",
            components=(),
            state=SubscriberState.CONFIRMED,
            unsubscribe_nonce="u-ann",
            now=NOW,
        )
    return db


def schema_differences(db: Database) -> list[object]:
    with db.engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), SQLModel.metadata))


def test_a_database_the_first_0034_upgraded_gets_the_alias_table(empty_url: str) -> None:
    db = at_0035_without_the_alias_table(empty_url)
    assert not sa.inspect(db.engine).has_table("subscriber_alias")
    db.upgrade()
    assert schema_differences(db) == [], "the table, its columns and its index, as a fresh database has them"
    with db.read() as session:
        [kept] = session.exec(select(SubscriberRow)).all()
        assert kept.address == "ann@example.com", "the subscriber kept"
        assert kept.id is not None
        found = subscribers.by_unsubscribe_link(session=session, subscriber_id=kept.id, nonce="u-ann")
        assert found is not None and found.id == kept.id, "a link is looked up (it failed: no such table)"
        assert subscribers.by_unsubscribe_link(session=session, subscriber_id=kept.id + 1, nonce="u-x") is None
    db.upgrade()  # again: nothing to do
    db.dispose()


def test_a_database_the_second_0034_upgraded_keeps_its_aliases_and_gets_the_asked_language(empty_url: str) -> None:
    """The aliases it has stay; their open asks' language is not known (None): a confirmation
    through one keeps the subscriber's."""
    db = at_0035_without_the_alias_table(empty_url)
    with db.engine.begin() as connection:  # the second 0034's table
        connection.execute(
            sa.text(
                "CREATE TABLE subscriber_alias (id INTEGER NOT NULL PRIMARY KEY, subscriber_id INTEGER NOT NULL"
                " REFERENCES subscriber (id), unsubscribe_nonce VARCHAR(64) NOT NULL, nonce VARCHAR(64))"
            )
        )
        connection.execute(sa.text("CREATE INDEX ix_subscriber_alias_subscriber ON subscriber_alias (subscriber_id)"))
        kept = connection.execute(sa.text("SELECT id FROM subscriber")).scalar_one()
        connection.execute(
            sa.text("INSERT INTO subscriber_alias VALUES (:id, :kept, 'u-merged', 'c-open')"),
            {"id": kept + 100, "kept": kept},
        )
    db.upgrade()
    assert schema_differences(db) == []
    with db.read() as session:
        [alias] = session.exec(select(SubscriberAliasRow)).all()
    assert (alias.id, alias.subscriber_id, alias.nonce, alias.language, alias.components) == (
        kept + 100,
        kept,
        "c-open",
        None,
        None,
    )
    with db.write() as session:
        assert subscribers.confirm(session=session, subscriber_id=kept + 100, nonce="c-open", now=NOW)
    with db.read() as session:
        [row] = session.exec(select(SubscriberRow)).all()
    assert (row.state, row.language) == ("confirmed", "en")
    db.dispose()
