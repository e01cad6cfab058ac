"""Engines, transactions and migrations for SQLite (the embedded default) and PostgreSQL.

SQLite: WAL, `busy_timeout`, foreign keys on, and every write transaction starts with
`BEGIN IMMEDIATE`, so writers queue for the lock instead of failing half-way when a read
snapshot cannot be upgraded. Within one process, writers first queue on a thread lock: SQLite's
own busy handler waits by sleeping (1, 2, 5, ... up to 100 ms between tries), which under a
burst of acks turned a wait of a millisecond into a tail of a hundred; a thread lock hands over
the moment the writer before commits. Read transactions use a plain deferred `BEGIN`.
PostgreSQL: READ COMMITTED with row locks taken by the repository (`SELECT ... FOR UPDATE`).
A pooled connection that sat idle for `PING_IDLE_SECONDS` is pinged before use and replaced when
the server is gone (a restart, a failover, an idle timeout); a connection in steady use is not,
so an ack does not pay a round trip to ask whether the database is there. The price: right after
a restart, a command on a connection used within those seconds fails once (an error reply,
nothing stored), and SQLAlchemy then replaces every connection of the pool.
Migrations run under a lock: `pg_advisory_xact_lock` on PostgreSQL, the database's own write
lock (`BEGIN IMMEDIATE`) on SQLite, so many processes may start at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import Connection, Dialect, make_url
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from bot.storage.driver_sql import Driver

MIGRATION_LOCK_KEY = 0x1_C1DE_B07  # pg advisory lock id for schema upgrades
PING_IDLE_SECONDS = 5.0  # a PostgreSQL connection idle longer than this is pinged before use


class Database:
    """One store: `write()` and `read()` open a transaction each and commit on success."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.engine = _create_engine(url)
        self._read_engine = self.engine.execution_options(incident_bot_readonly=True)
        self._single = (
            self._read_engine if self.is_sqlite else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        # SQLite has one writer at a time: this process's writers queue here, not in its busy handler.
        # Re-entrant: a write nested in a write of the same thread then fails after busy_timeout, as
        # it did before this lock, instead of waiting for itself forever.
        self._writer = threading.RLock() if self.is_sqlite else None
        # An in-memory SQLite database (the tests', `sqlite://`) is one connection shared by every
        # thread (StaticPool): its reads take turns with its writes, or two threads' transactions
        # would interleave on it ("cannot start a transaction within a transaction").
        self._memory = self.is_sqlite and self.url.database in (None, "", ":memory:")

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self._one_writer(), Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def driver_write(self) -> Iterator[Driver]:
        """SQLite only: a write transaction like `write()`'s (this process's writers first, then
        `BEGIN IMMEDIATE`) on the pooled connection's own sqlite3 connection, for the statements
        that skip SQLAlchemy's Session and Connection (`bot.storage.driver_sql`). Committed when
        the block ends, rolled back when it raises; the connection goes back to the pool either way."""
        if not self.is_sqlite:
            raise TypeError("driver_write() is for SQLite; on PostgreSQL, driver_autocommit()")
        with self._one_writer(), self._driver() as driver:
            connection = driver.connection
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield driver
            except BaseException:
                connection.rollback()
                raise
            connection.commit()  # a transaction a failed COMMIT left open is rolled back by the pool

    @contextmanager
    def driver_autocommit(self) -> Iterator[Driver]:
        """PostgreSQL only: the pooled connection's own psycopg connection outside any transaction,
        for statements each atomic by itself that skip SQLAlchemy's Session and Connection
        (`bot.storage.driver_sql`): no BEGIN, COMMIT or ROLLBACK round trip, nor any on the way to
        and back from the pool (switching psycopg's autocommit sends nothing, and the pool's
        rollback on return has nothing to roll back). SQLite writes take its write lock first
        (`driver_write()`)."""
        if self.is_sqlite:
            raise TypeError("driver_autocommit() is for PostgreSQL; on SQLite, driver_write()")
        with self._driver() as driver:
            driver.connection.autocommit = True
            try:
                yield driver
            finally:
                if not driver.connection.closed:
                    driver.connection.autocommit = False  # as the pool lends it to everything else

    @contextmanager
    def _driver(self) -> Iterator[Driver]:
        """A pooled connection's DB-API connection, back to the pool when the block ends. A
        statement failing because the server went away invalidates the pool as SQLAlchemy's own
        execution does, so the next commands get new connections instead of failing one by one."""
        pooled = self.engine.raw_connection()
        try:
            yield Driver(pooled.driver_connection, self.engine.dialect.name)
        except self.engine.dialect.loaded_dbapi.Error as error:
            if self.engine.dialect.is_disconnect(error, pooled.dbapi_connection, None):
                pooled.invalidate(error)
                self.engine.dispose()  # the connections pooled beside it went with the server
            raise
        finally:
            pooled.close()

    @contextmanager
    def _one_writer(self) -> Iterator[None]:
        if self._writer is None:
            yield
            return
        with self._writer:
            yield

    @contextmanager
    def _in_turn(self) -> Iterator[None]:
        """A read of an in-memory database waits for its turn (its one connection); others go at once."""
        if not self._memory:
            yield
            return
        with self._one_writer():
            yield

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._in_turn(), Session(self._read_engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def read_each(self) -> Iterator[Session]:
        """Several reads that need no snapshot in common: on PostgreSQL outside any transaction
        (under READ COMMITTED each statement sees its own snapshot inside one too, so BEGIN and
        COMMIT were two round trips for nothing); on SQLite a read transaction, as `read()`."""
        with self._in_turn(), Session(self._single, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def write_each(self) -> Iterator[Session]:
        """Writes each atomic by itself (a lease taken or given back by one guarded UPDATE): on
        PostgreSQL outside any transaction (no BEGIN nor COMMIT round trips: each statement
        commits as it ends); on SQLite a write transaction, as `write()` (its writers take the
        lock first)."""
        if self.is_sqlite:
            with self.write() as session:
                yield session
            return
        with Session(self._single, expire_on_commit=False) as session, session.begin():
            yield session

    @staticmethod
    def atomic(session: Session) -> bool:
        """Whether `session`'s writes are one transaction: not those of `write_each` on PostgreSQL,
        each statement committing as it ends."""
        return session.get_bind().get_execution_options().get("isolation_level") != "AUTOCOMMIT"

    @contextmanager
    def glance(self) -> Iterator[Connection]:
        """For one read statement alone: on PostgreSQL outside any transaction (no BEGIN, no
        COMMIT: one round trip), on SQLite a plain read transaction (in-process, as cheap)."""
        with self._in_turn(), self._single.connect() as connection:
            yield connection

    @contextmanager
    def rehearsal(self) -> Iterator[Session]:
        """A write transaction that is always rolled back: statements run (and are compiled and
        cached) without changing anything."""
        with self._one_writer(), Session(self.engine, expire_on_commit=False) as session:
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


def schema_problem(connection: Connection) -> str | None:
    """Why this version cannot read the database on `connection` (None: migrated to the latest
    revision this version ships). Reads only: nothing is created or changed."""
    current = MigrationContext.configure(connection).get_current_revision()
    scripts = ScriptDirectory.from_config(alembic_config())
    head = scripts.get_current_head()
    if current == head:
        return None
    if current is None:
        return "has no tables yet"
    if current not in {script.revision for script in scripts.walk_revisions()}:
        return f"was migrated by a newer incident-bot (revision {current}; this version knows up to {head})"
    return f"is at migration {current}; this version needs {head}"


def missing_sqlite_file(url: str) -> bool:
    """A SQLite URL naming a file that does not exist (connecting would create it, empty)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return False
    name = parsed.database.removeprefix("file:").partition("?")[0]
    return not Path(name).exists()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("bot.storage") / "migrations"))
    return config


def _create_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, pool_size=10, max_overflow=10)
        event.listen(engine, "connect", _fresh)
        event.listen(engine, "checkin", _fresh)
        event.listen(engine, "checkout", _ping_if_idle(engine.dialect))
        return engine
    in_memory = parsed.database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    if in_memory:
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _fresh(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dialect: Dialect) -> Callable[[Any, Any, Any], None]:
    def check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        """Before a connection idle for a while is used: is the server still there? If not, the
        pool drops it and checks out another (SQLAlchemy's DisconnectionError protocol)."""
        if time.monotonic() - record.info.get("idle_since", 0.0) < PING_IDLE_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise DisconnectionError("the database closed an idle connection") from error

    return check


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
