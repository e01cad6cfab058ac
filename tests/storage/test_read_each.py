"""`Database.read_each` and `write_each`, the outbox sender's reads (the outbox, each batch's views) and
leases: on PostgreSQL outside any transaction (under READ COMMITTED each statement has a snapshot of
its own anyway, and each lease is one guarded UPDATE, so BEGIN and COMMIT were two round trips for
nothing on the way to a new incident's card); on SQLite one transaction, as `read()` and `write()`."""

from __future__ import annotations

import pytest
from psycopg import pq
from sqlalchemy import text

from bot.storage.db import Database


@pytest.mark.postgres
def test_on_postgresql_read_each_reads_outside_a_transaction_where_read_opens_one(pg_db: Database) -> None:
    with pg_db.read_each() as session:
        session.execute(text("SELECT 1"))
        alone = session.connection().connection.driver_connection.info.transaction_status
    with pg_db.read() as session:
        session.execute(text("SELECT 1"))
        inside = session.connection().connection.driver_connection.info.transaction_status
    assert (alone, inside) == (pq.TransactionStatus.IDLE, pq.TransactionStatus.INTRANS)


def test_on_sqlite_read_each_is_one_read_transaction(sqlite_db: Database) -> None:
    with sqlite_db.read_each() as session:
        session.execute(text("SELECT 1"))
        assert session.connection().connection.driver_connection.in_transaction


@pytest.mark.postgres
def test_on_postgresql_write_each_commits_each_statement_as_it_ends(pg_db: Database) -> None:
    """The sender's leases (`EffectSender._claim`): each UPDATE is committed by itself, with no
    BEGIN nor COMMIT of its own; `write()` still holds its statements until it commits."""
    with pg_db.write_each() as session:
        session.execute(text("INSERT INTO workspace (team_id, last_number) VALUES ('T1', 0)"))
        alone = session.connection().connection.driver_connection.info.transaction_status
        with pg_db.read() as other:  # another connection sees it before the block ends
            seen = other.execute(text("SELECT count(*) FROM workspace")).scalar_one()
    assert (alone, seen) == (pq.TransactionStatus.IDLE, 1)


def test_on_sqlite_write_each_is_a_write_transaction(sqlite_db: Database) -> None:
    with sqlite_db.write_each() as session:
        session.execute(text("SELECT 1"))
        assert session.connection().connection.driver_connection.in_transaction
