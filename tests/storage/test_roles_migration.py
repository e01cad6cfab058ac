"""Migration 0004: every incident gains a comms lead and a scribe, unset; going down keeps the rest."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from migrating import migrate
from sqlalchemy import inspect, text

from bot.domain.roles import Role
from bot.lookup import Where
from bot.service import IncidentService
from bot.storage.db import Database

OPENED = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)


def incident_columns(db: Database) -> set[str]:
    return {column["name"] for column in inspect(db.engine).get_columns("incident")}


def test_incidents_opened_before_roles_existed_have_no_comms_or_scribe_and_can_be_given_them(empty_url: str) -> None:
    db = Database(empty_url)
    migrate(db, "0003")
    service = IncidentService(db, zone=ZoneInfo("UTC"), clock=lambda: OPENED)
    with db.engine.begin() as connection:  # what 0003's code wrote: no role columns yet
        connection.execute(
            text(
                "INSERT INTO incident (team_id, number, title, severity, status, lead, opened_by, attack, impact,"
                " impact_started_at, opened_at, status_since, updated_at, last_update_at)"
                " VALUES ('T1', 1, 'Down', 2, 'investigating', 'U1', 'U1', 'no-evidence', '', :at, :at, :at, :at, :at)"
            ),
            {"at": OPENED},
        )
        connection.execute(text("INSERT INTO workspace (team_id, last_number) VALUES ('T1', 1)"))
    assert {"comms", "scribe"}.isdisjoint(incident_columns(db))
    db.upgrade()
    incident = service.get(Where("T1", number=1))
    assert (incident.lead, incident.comms, incident.scribe) == ("U1", None, None)
    service.set_role(Where("T1", number=1), actor="U1", role=Role.COMMS, person="U2")
    assert service.get(Where("T1", number=1)).comms == "U2"
    migrate(db, "0003", down=True)
    assert {"comms", "scribe"}.isdisjoint(incident_columns(db))
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT number, title, lead FROM incident")).all()
    assert [tuple(row) for row in rows] == [(1, "Down", "U1")]
    db.upgrade()
    assert service.get(Where("T1", number=1)).comms is None
    db.dispose()
