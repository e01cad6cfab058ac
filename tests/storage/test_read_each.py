"""`Database.read_each`, the outbox sender's reads (the outbox, each batch's views): on PostgreSQL
outside any transaction (under READ COMMITTED each statement has a snapshot of its own anyway, so
BEGIN and COMMIT were two round trips for nothing on the way to a new incident's card); on SQLite
one read transaction, as `read()`."""

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
