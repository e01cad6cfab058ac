"""Storage gives the same answers on SQLite and PostgreSQL (each test runs on both).

Decisions on what a statement changed read what the database returned (RETURNING), never the
driver's rowcount: psycopg 3 reports -1 for INSERT ... ON CONFLICT DO NOTHING, which made every
first Slack event on PostgreSQL look like a redelivery. And PostgreSQL enforces VARCHAR lengths,
which SQLite ignores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from bot.lookup import Where
from bot.service import IncidentService
from bot.storage import events, members, repository
from bot.storage.db import Database

NOW = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)


def test_a_slack_event_is_new_the_first_time_and_a_redelivery_every_time_after(any_db: Database) -> None:
    with any_db.write() as session:
        first = events.remember_event(session=session, event_id="Ev0PIN", now=NOW)
    with any_db.write() as session:
        again = events.remember_event(session=session, event_id="Ev0PIN", now=NOW + timedelta(minutes=2))
        other = events.remember_event(session=session, event_id="Ev0OTHER", now=NOW)
    assert (first, again, other) == (True, False, True)


def test_the_unchanged_check_notices_a_write_on_either_backend(any_db: Database, unchanged: Any) -> None:
    """The refusal tests prove "nothing was stored" with it, so it must see a change everywhere."""
    with pytest.raises(AssertionError, match="the database changed"), unchanged(any_db), any_db.write() as session:
        events.remember_event(session=session, event_id="Ev0CHANGE", now=NOW)
    with unchanged(any_db), any_db.read() as session:
        members.names(session=session, user_ids={"U0NOBODY"})


def test_a_channel_another_incident_holds_is_never_recorded_for_a_second_one(any_db: Database) -> None:
    """INC-1 of two workspaces share a channel name: the second never takes the first's channel
    (the unique index would fail every sender round after it)."""
    service = IncidentService(any_db, zone=UTC, clock=lambda: NOW)
    for team in ("T0FIRST", "T0SECOND"):
        service.open(team_id=team, actor="U0ALICE", title="Payments are down")
    with any_db.engine.connect() as connection:
        ours, theirs = connection.execute(text("SELECT id FROM incident ORDER BY team_id")).scalars()
    with any_db.write() as session:
        first = repository.set_channel(
            session=session, incident_id=ours, channel_id="C0PAY", channel_name="inc-1", private=False
        )
    with any_db.write() as session:
        second = repository.set_channel(
            session=session, incident_id=theirs, channel_id="C0PAY", channel_name="inc-1", private=False
        )
    assert (first, second) == (True, False)
    assert service.get(Where("T0FIRST", number=1)).channel_id == "C0PAY"
    assert service.get(Where("T0SECOND", number=1)).channel_id is None
