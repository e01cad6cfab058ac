"""Migrations and what storage promises: the schema, aware UTC times, the indexes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from bot.domain.incident import Status
from bot.lookup import Where
from bot.service import IncidentService
from bot.storage import repository as repo
from bot.storage.db import Database
from bot.storage.tables import SQLModel


def test_upgrade_from_an_empty_database_creates_every_table(tmp_path: object) -> None:
    # SQLite file: a fresh PostgreSQL database costs a CREATE DATABASE; the many-processes test
    # below migrates one from empty.
    db = Database(f"sqlite:///{tmp_path}/fresh.db")
    db.upgrade()
    tables = set(inspect(db.engine).get_table_names())
    assert {"incident", "timeline_entry", "effect", "workspace", "slack_event", "member", "member_sync"} <= tables
    assert "alembic_version" in tables


def test_upgrading_twice_changes_nothing(any_db: Database) -> None:
    any_db.upgrade()
    with any_db.engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    assert len(versions) == 1


def test_the_orm_tables_match_the_migrated_schema(any_db: Database) -> None:
    with any_db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_sqlite_runs_in_wal_mode(sqlite_file_db: Database) -> None:
    # SQLite only: WAL is SQLite's journal.
    with sqlite_file_db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_times_come_back_aware_in_utc_whatever_zone_they_went_in(any_db: Database) -> None:
    service = IncidentService(any_db, zone=ZoneInfo("Asia/Kolkata"))
    kolkata_time = datetime(2022, 2, 17, 21, 41, tzinfo=ZoneInfo("Asia/Kolkata"))
    service.clock = lambda: kolkata_time
    service.open(team_id="T1", actor="U1", title="Down")
    with any_db.read() as session:
        stored = repo.get_by_number(session=session, team_id="T1", number=1)
    assert stored is not None
    opened = stored.incident.opened_at
    assert opened.tzinfo is UTC
    assert opened == datetime(2022, 2, 17, 16, 11, tzinfo=UTC)


def test_a_naive_datetime_is_refused_by_storage(any_db: Database) -> None:
    service = IncidentService(any_db, zone=ZoneInfo("UTC"))
    service.clock = lambda: datetime(2022, 2, 17, 16, 11)
    with pytest.raises(ValueError, match=r"timezone-aware|naive"):
        service.open(team_id="T1", actor="U1", title="Down")


def test_times_compare_correctly_across_offsets_in_queries(any_db: Database) -> None:
    service = IncidentService(any_db, zone=ZoneInfo("UTC"))
    start = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)
    service.clock = lambda: start
    service.open(team_id="T1", actor="U1", title="Down")
    service.clock = lambda: start.astimezone(timezone(timedelta(hours=-8))) + timedelta(minutes=25)
    service.set_status(Where("T1", number=1), actor="U1", status=Status.IDENTIFIED)
    timeline = service.timeline(Where("T1", number=1))
    assert [entry.at - start for entry in timeline.entries] == [timedelta(0), timedelta(minutes=25)]


def test_open_incidents_and_timelines_have_their_indexes(sqlite_db: Database) -> None:
    # SQLite only: EXPLAIN QUERY PLAN is SQLite's; PostgreSQL's planner picks by table size
    # (bench/storage.py measures it at 100,000 incidents).
    with sqlite_db.engine.connect() as connection:
        plans = {
            "open": connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT * FROM incident WHERE team_id = 'T1' AND status != 'resolved' "
                "ORDER BY number DESC"
            ).all(),
            "channel": connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT * FROM incident WHERE channel_id = 'C1'"
            ).all(),
            "timeline": connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT * FROM timeline_entry WHERE incident_id = 1 ORDER BY at, id"
            ).all(),
        }
    assert "ix_incident_open" in str(plans["open"])
    assert "ix_incident_channel" in str(plans["channel"])
    assert "ix_timeline_incident_at" in str(plans["timeline"])


def _upgrade(url: str, barrier: object) -> None:
    database = Database(url)
    barrier.wait()  # type: ignore[attr-defined]
    database.upgrade()


def _fresh_postgres_database(admin_url: str) -> str:
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"incident_bot_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(admin_url: str, url: str) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.postgres
def test_many_processes_starting_at_once_migrate_a_fresh_postgres_database_once(postgres_url: str) -> None:
    import multiprocessing

    url = _fresh_postgres_database(postgres_url)
    try:
        fork = multiprocessing.get_context("fork")
        barrier = fork.Barrier(4)
        processes = [fork.Process(target=_upgrade, args=(url, barrier)) for _ in range(4)]
        for process in processes:
            process.start()
        for process in processes:
            process.join(60)
        assert [process.exitcode for process in processes] == [0, 0, 0, 0]
        db = Database(url)
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, SQLModel.metadata) == []
        db.dispose()
    finally:
        _drop_postgres_database(postgres_url, url)


def test_incident_bot_db_upgrade_creates_the_schema(tmp_path: object) -> None:
    # SQLite file: the command is the same Database.upgrade() the PostgreSQL tests above run.
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "INCIDENT_", "DATABASE_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/cli.db"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "database is up to date" in result.stdout
    assert "incident" in inspect(Database(env["DATABASE_URL"]).engine).get_table_names()
