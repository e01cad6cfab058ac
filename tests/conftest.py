"""Shared fixtures: databases (SQLite always, PostgreSQL when reachable), a service, a clock.

PostgreSQL tests use `TEST_POSTGRES_URL` (default: the local server, database `test`) and
create a database of their own per test session. When the server is unreachable they skip,
saying why, except under CI (`CI=true`), where an unreachable PostgreSQL is a failure.
"""

from __future__ import annotations

import gc
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.cli import main
from bot.service import IncidentService
from bot.storage.db import Database

# Hypothesis draws the same examples on every run and every machine, as CI (which Hypothesis
# derandomizes by itself) always did: a newcomer's first run is exactly CI's. No example database
# either, so what one checkout once found cannot make its runs differ from another's: what a
# search finds is kept in the test as an explicit case. `--hypothesis-profile=thorough` searches
# at random, thousands of examples a test (README, Tests; `.ci/thorough` on a schedule).
settings.register_profile(
    "repeatable",
    parent=settings.get_profile("default"),  # not the "ci" profile Hypothesis loads when CI is set
    derandomize=True,
    database=None,
    deadline=None,  # timing is not behaviour: a loaded machine must not fail a property
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "thorough",
    parent=settings.get_profile("default"),  # with the example database: a failure is replayed first
    max_examples=5000,
    derandomize=False,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("repeatable")  # `--hypothesis-profile=NAME` loads another after this


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: `-p no:xdist` runs without it
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto` (the README's test command): two test processes per core. Most of the slow tests
    wait, not compute (a bot process starting, Slack's emulator answering late, a stop's deadline),
    so one per core leaves the machine half idle: on 2 cores the suite took about twice as long.
    PYTEST_XDIST_AUTO_NUM_WORKERS still says how many, as pytest-xdist documents."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # pytest-xdist's own reading of it
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return 2 * (cores or 1)


DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TABLES = (
    "page",
    "page_request",
    "alert_group_member",
    "alert",
    "alert_group",
    "follow_up",
    "incident_link",
    "effect",
    "component_impact",
    "timeline_entry",
    "update_promise",
    "draft",
    "incident",
    "workspace",
    "slack_event",
    "member",
    "member_sync",
    "usergroup",
    "subscriber_alias",
    "subscriber",
    "delivery",
    "fan_out",
    "form_limit",
)
# What a person's request may change. The members and user groups tables are left out: they hold
# what Slack says about the workspace (the one asking, or a group they name, may be learned on the
# way), not anything asked for.
MEMBER_TABLES = ("member", "member_sync", "usergroup")
REQUEST_TABLES = tuple(table for table in TABLES if table not in MEMBER_TABLES)


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head once per test process: the SQLite fixtures start from a copy
    of it, since running every migration takes longer than most tests (about 0.2 s each time)."""
    path = tmp_path_factory.mktemp("migrated") / "incidents.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    db.dispose()
    return path


def migrated_sqlite_copy(migrated_sqlite_file: Path, folder: Path) -> str:
    """The URL of a fresh copy of the migrated SQLite file in `folder`."""
    copy = folder / "incidents.db"
    shutil.copyfile(migrated_sqlite_file, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def sqlite_db(migrated_sqlite_file: Path) -> Iterator[Database]:
    """An in-memory SQLite database (one connection every thread shares), filled from the migrated file."""
    db = Database("sqlite://")
    template = sqlite3.connect(migrated_sqlite_file)
    try:
        with db.engine.connect() as connection:
            target = connection.connection.driver_connection
            assert isinstance(target, sqlite3.Connection)
            template.backup(target)
    finally:
        template.close()
    yield db
    db.dispose()


@pytest.fixture
def sqlite_file_db(migrated_sqlite_file: Path, tmp_path: Path) -> Iterator[Database]:
    db = Database(migrated_sqlite_copy(migrated_sqlite_file, tmp_path))
    yield db
    db.dispose()


def _postgres_admin_url() -> str:
    return os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated to head."""
    admin_url = _postgres_admin_url()
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        admin.dispose()
        reason = f"PostgreSQL is not reachable at {make_url(admin_url).render_as_string(hide_password=True)}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} and CI=true requires it: {error.orig}")
        pytest.skip(f"{reason}; set TEST_POSTGRES_URL to run the PostgreSQL tests")
    name = f"incident_bot_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        # A throwaway database needs no crash durability: commits skip the WAL flush wait,
        # about half of each write transaction's time (an end-to-end open makes ~45 of them).
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    migrated = Database(url)
    migrated.upgrade()
    migrated.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_admin(postgres_url: str) -> Iterator[Engine]:
    """One engine for emptying the session's database between tests."""
    engine = create_engine(postgres_url, pool_size=1)
    yield engine
    engine.dispose()


_previous_user: list[str] = ["(none yet)"]  # the last test that used the session's database


def _leftover_sessions(postgres_admin: Engine, wait_seconds: float = 5.0) -> list[str]:
    """Other connections to the database still open after a test (a thread or process it left).

    A connection checked out when its engine was disposed (a stop that left a send in hand at its
    deadline) goes back, once returned, to the pool that dispose dropped, and stays open until that
    pool is garbage collected (SQLAlchemy, `Engine.dispose`): no thread can use it any more, so
    garbage is collected at each look that still finds one (a connection a thread returns later
    is collected at the next look). An engine a test forgot to dispose and no longer refers to is
    collected too: only what something still holds counts as left open."""
    deadline = time.monotonic() + wait_seconds
    while True:
        with postgres_admin.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT application_name, state, left(query, 120) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).all()
        if rows:  # what only garbage holds is closed now; a thread's own is still counted
            gc.collect()
        if not rows or time.monotonic() > deadline:
            return [" | ".join(str(value) for value in row) for row in rows]
        time.sleep(0.05)


@pytest.fixture
def clean_postgres_url(postgres_url: str, postgres_admin: Engine, request: pytest.FixtureRequest) -> Iterator[str]:
    """The session's PostgreSQL database, emptied (schema kept): every test starts from nothing.

    Every table but Alembic's is emptied, whatever migrations added. Whoever used the database
    in the previous test must be gone by now (engines disposed, threads and processes ended): a
    connection still open fails this test naming the one that left it, since its writes would
    land in this test's tables.
    """
    leftovers = _leftover_sessions(postgres_admin)
    assert not leftovers, f"{_previous_user[0]} left connections open: {leftovers}"
    with postgres_admin.begin() as connection:
        connection.execute(text("SET LOCAL lock_timeout = '10s'"))
        tables = connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
        ).scalars()
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    yield postgres_url
    _previous_user[0] = request.node.nodeid


@pytest.fixture
def pg_db(clean_postgres_url: str) -> Iterator[Database]:
    db = Database(clean_postgres_url)
    yield db
    db.dispose()


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_db(request: pytest.FixtureRequest) -> Database:
    """A database several threads can use at once: a SQLite file, or PostgreSQL."""
    db = request.getfixturevalue("sqlite_file_db" if request.param == "sqlite" else "pg_db")
    assert isinstance(db, Database)
    return db


@pytest.fixture(params=BACKENDS)
def any_db(request: pytest.FixtureRequest) -> Database:
    """The same test on SQLite and on PostgreSQL."""
    name = "sqlite_db" if request.param == "sqlite" else "pg_db"
    db = request.getfixturevalue(name)
    assert isinstance(db, Database)
    return db


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    """A database with no tables at all, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/old.db"
        return
    server = make_url(request.getfixturevalue("postgres_url"))
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"incident_bot_migration_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated database for a whole bot (sandbox or process): a SQLite file, or PostgreSQL.

    The bot opens and disposes its own engine; with PostgreSQL it must be stopped before the test
    ends (the sandbox fixtures and the process fixtures do), so the next test can empty the tables.
    """
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/incidents.db"
    url = request.getfixturevalue("clean_postgres_url")
    assert isinstance(url, str)
    return url


KOLKATA = ZoneInfo("Asia/Kolkata")
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def service(any_db: Database) -> IncidentService:
    """The service on SQLite and on PostgreSQL (every test using it runs on both)."""
    return IncidentService(any_db, zone=KOLKATA)


def database_state(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, on SQLite or PostgreSQL: compare before and after to prove
    nothing was written."""
    state: dict[str, list[tuple[object, ...]]] = {}
    with db.engine.connect() as connection:
        existing = set(inspect(connection).get_table_names())
        for table in REQUEST_TABLES:
            if table in existing:
                rows = connection.execute(text(f"SELECT * FROM {table} ORDER BY 1")).all()  # noqa: S608
                state[table] = [tuple(row) for row in rows]
    return state


@pytest.fixture
def unchanged() -> object:
    """`with unchanged(db): ...` fails the test if the block wrote anything to the database."""
    from contextlib import contextmanager

    @contextmanager
    def check(db: Database) -> Iterator[None]:
        before = database_state(db)
        yield
        assert database_state(db) == before, "the database changed"

    return check


# --- the console entry point's tests (tests/outbox/test_cli.py, tests/test_aftermath_cli.py) ---------


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database the CLI opens through DATABASE_URL."""
    if request.param == "sqlite":
        return migrated_sqlite_copy(request.getfixturevalue("migrated_sqlite_file"), tmp_path)
    request.getfixturevalue("pg_db")  # emptied
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def run_cli(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., int]:
    """`incident-bot <argv>` as an operator runs it: no .env of the developer's, no Slack tokens."""
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("INCIDENT_TIMEZONE", "Asia/Kolkata")
    return lambda *argv: main(list(argv))
