"""Engines, transactions and migrations for SQLite (the embedded default) and PostgreSQL.

SQLite: WAL, `busy_timeout`, foreign keys on, and every write transaction starts with
`BEGIN IMMEDIATE`, so writers queue for the lock instead of failing half-way when a read
snapshot cannot be upgraded. Read transactions use a plain deferred `BEGIN`.
PostgreSQL: READ COMMITTED with row locks taken by the repository (`SELECT ... FOR UPDATE`).
Migrations run under a lock: `pg_advisory_xact_lock` on PostgreSQL, the database's own write
lock (`BEGIN IMMEDIATE`) on SQLite, so many processes may start at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from importlib.resources import files
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

MIGRATION_LOCK_KEY = 0x1_C1DE_B07  # pg advisory lock id for schema upgrades


class Database:
    """One store: `write()` and `read()` open a transaction each and commit on success."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.engine = _create_engine(url)
        self._read_engine = self.engine.execution_options(incident_bot_readonly=True)
        self._single = (
            self._read_engine if self.is_sqlite else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self._read_engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def glance(self) -> Iterator[Connection]:
        """For one read statement alone: on PostgreSQL outside any transaction (no BEGIN, no
        COMMIT: one round trip), on SQLite a plain read transaction (in-process, as cheap)."""
        with self._single.connect() as connection:
            yield connection

    @contextmanager
    def rehearsal(self) -> Iterator[Session]:
        """A write transaction that is always rolled back: statements run (and are compiled and
        cached) without changing anything."""
        with Session(self.engine, expire_on_commit=False) as session:
            session.begin()
            try:
                yield session
            finally:
                session.rollback()

    def open_connections(self, count: int) -> None:
        """Open up to `count` pooled connections now, so the first requests do not each connect."""
        with ExitStack() as held:
            for _ in range(count):
                held.enter_context(self._read_engine.connect()).execute(text("SELECT 1"))

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            with self._read_engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def upgrade(self) -> None:
        """Apply every pending migration, once, however many processes call this at once."""
        with self.engine.begin() as connection:
            if not self.is_sqlite:
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("bot.storage") / "migrations"))
    return config


def _create_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    in_memory = parsed.database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    if in_memory:
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see _sqlite_on_begin)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    readonly = connection.get_execution_options().get("incident_bot_readonly", False)
    connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")
