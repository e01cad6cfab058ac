"""Migration 0018: every outbox row gets the workspace whose token sends it."""

from __future__ import annotations

from datetime import UTC, datetime

from migrating import migrate
from sqlalchemy import text

from bot.outbox import store
from bot.outbox.kinds.open_incident_modal import OpenIncidentModal
from bot.service import IncidentService
from bot.storage.db import Database
from tests.conftest import KOLKATA

AT = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)


def teams_of_rows(db: Database) -> dict[str | None, set[str | None]]:
    """The workspace of each row, by whether it belongs to an incident ("incident") or not (None)."""
    with db.engine.connect() as connection:
        found: dict[str | None, set[str | None]] = {}
        for incident_id, team_id in connection.execute(text("SELECT incident_id, team_id FROM effect")):
            found.setdefault("incident" if incident_id is not None else None, set()).add(team_id)
        return found


def stored_before_0018(db: Database, teams: tuple[str, ...]) -> None:
    """Each workspace's incident and a modal of no incident, as a version before 0018 left them."""
    db.upgrade()
    service = IncidentService(db, zone=KOLKATA, clock=lambda: AT)
    for team in teams:
        service.open(team_id=team, actor="U1", title="Down")
        with db.write() as session:
            store.enqueue(
                session=session,
                incident_id=None,
                team_id=team,
                effect=OpenIncidentModal(trigger_id="t", severity=2),
                now=AT,
            )
    migrate(db, "0017", down=True)


def test_rows_take_their_incidents_workspace_and_the_only_workspace_when_of_no_incident(empty_url: str) -> None:
    db = Database(empty_url)
    stored_before_0018(db, ("T0ONE",))
    db.upgrade()
    assert teams_of_rows(db) == {"incident": {"T0ONE"}, None: {"T0ONE"}}
    db.dispose()


def test_with_several_workspaces_rows_of_no_incident_are_left_to_nobody(empty_url: str) -> None:
    db = Database(empty_url)
    stored_before_0018(db, ("T0ONE", "T0TWO"))
    db.upgrade()
    assert teams_of_rows(db) == {"incident": {"T0ONE", "T0TWO"}, None: {None}}
    db.dispose()
