"""Migration 0023: each incident's channel is private when the incident was private at its opening,
the only time a channel's privacy was chosen before channels could move."""

from __future__ import annotations

from datetime import UTC, datetime

from migrating import migrate
from sqlalchemy import text

from bot.lookup import Where
from bot.service import IncidentService
from bot.storage.db import Database
from tests.conftest import KOLKATA

AT = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)
# (opened private, then made private (True) or public (False) in turn)
HISTORIES = {
    1: (False, ()),
    2: (True, ()),
    3: (False, (True,)),
    4: (True, (False,)),
    5: (True, (False, True)),
    6: (False, (True, False)),
}


def test_each_incident_s_channel_is_as_private_as_the_incident_was_when_it_opened(empty_url: str) -> None:
    db = Database(empty_url)
    db.upgrade()
    service = IncidentService(db, zone=KOLKATA, clock=lambda: AT)
    for number, (opened_private, changes) in HISTORIES.items():
        service.open(team_id="T1", actor="U1", title=f"Down {number}", private=opened_private)
        for private in changes:
            service.set_private(Where("T1", number=number), actor="U1", private=private)
    migrate(db, "0022", down=True)
    db.upgrade()
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT number, channel_private FROM incident ORDER BY number"))
        found = {number: bool(private) for number, private in rows}
    assert found == {number: opened_private for number, (opened_private, _) in HISTORIES.items()}
    db.dispose()
