"""PostgreSQL connections the server closed while they sat in the pool (a restart, a failover, an
idle timeout): the next command gets a live one. Connections in steady use are not pinged, so an
acknowledgement does not pay a round trip to ask whether the database is still there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from psycopg import pq
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from bot.lookup import Where
from bot.service import IncidentService
from bot.storage import db as storage
from bot.storage.db import Database
from tests.conftest import KOLKATA

pytestmark = pytest.mark.postgres


def _close_from_the_server(admin: Engine) -> int:
    """What a restart does to the pool: every other session of the database is ended."""
    with admin.connect() as connection:
        ended = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
        connection.commit()
    return int(ended)


def test_a_connection_the_server_closed_while_idle_is_replaced_and_the_note_is_stored(
    pg_db: Database, postgres_admin: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = IncidentService(pg_db, zone=KOLKATA)
    service.open(team_id="T1", actor="U1", title="Checkout fails")
    assert _close_from_the_server(postgres_admin) >= 1
    monkeypatch.setattr(storage, "PING_IDLE_SECONDS", 0.0)  # every pooled connection has now been idle long enough
    service.note(Where("T1", number=1), actor="U1", text="rolled back the deploy")
    assert service.timeline(Where("T1", number=1)).entries[-1].text == "rolled back the deploy"


def test_without_the_ping_the_same_closed_connection_fails_the_command(
    pg_db: Database, postgres_admin: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check above is what saves the command: the same sequence without it fails, once; the
    pool is then replaced, so the next command works."""
    service = IncidentService(pg_db, zone=KOLKATA)
    service.open(team_id="T1", actor="U1", title="Checkout fails")
    pg_db.open_connections(4)  # a pool of several, as with several request threads
    _close_from_the_server(postgres_admin)
    monkeypatch.setattr(storage, "PING_IDLE_SECONDS", 3600.0)  # used a moment ago: not pinged
    with pytest.raises(pg_db.engine.dialect.loaded_dbapi.OperationalError):  # the note runs on psycopg itself
        service.note(Where("T1", number=1), actor="U1", text="rolled back the deploy")
    for n in range(4):  # every other pooled connection was replaced with the one that failed
        service.note(Where("T1", number=1), actor="U1", text=f"after the restart {n}")
    assert service.timeline(Where("T1", number=1)).entries[-1].text == "after the restart 3"


def test_a_connection_in_steady_use_is_not_pinged_and_a_note_is_two_round_trips(
    pg_db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """What goes over the wire, from libpq's own trace of the pooled connection between its checkout
    and its return (the pool's reset on return included): the incident with the entry's id, then the
    entry with its line, and nothing else (no BEGIN, COMMIT or ROLLBACK, no ping); the connection
    goes back to the pool as it came, not in autocommit."""
    pings: list[object] = []
    ping = pg_db.engine.dialect.do_ping
    monkeypatch.setattr(
        pg_db.engine.dialect, "do_ping", lambda connection: pings.append(connection) or ping(connection)
    )
    service = IncidentService(pg_db, zone=KOLKATA)
    service.open(team_id="T1", actor="U1", title="Checkout fails")
    with (tmp_path / "libpq.trace").open("w+") as trace:
        returned: list[bool] = []

        def traced(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
            dbapi_connection.pgconn.trace(trace.fileno())
            dbapi_connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)

        def untraced(dbapi_connection: Any, _record: Any) -> None:
            returned.append(dbapi_connection.autocommit)
            dbapi_connection.pgconn.untrace()

        event.listen(pg_db.engine, "checkout", traced)
        event.listen(pg_db.engine, "checkin", untraced)
        service.note(Where("T1", number=1), actor="U1", text="rolled back the deploy")
        event.remove(pg_db.engine, "checkout", traced)
        event.remove(pg_db.engine, "checkin", untraced)
        trace.seek(0)
        sent = [line.split("\t") for line in trace.read().splitlines() if line.startswith("F\t")]
    round_trips = [
        message[3] if message[2] == "Query" else "Sync" for message in sent if message[2] in ("Query", "Sync")
    ]
    parsed = [message[3] for message in sent if message[2] == "Parse"]
    assert pings == [] and returned == [False]
    assert round_trips == ["Sync", "Sync"], f"two statements, each one round trip: {sent}"
    assert "SELECT" in parsed[0] and "nextval" in parsed[0] and '"WITH added AS' in parsed[1]
    monkeypatch.setattr(storage, "PING_IDLE_SECONDS", 0.0)
    service.note(Where("T1", number=1), actor="U1", text="and once idle long enough, it is")
    assert len(pings) == 1
