"""Migration 0032: an alert group is keyed by its sender and its group key; the groups stored
before it are hashed again, so the next notification of a group still firing finds its group."""

from __future__ import annotations

from datetime import UTC, datetime

from migrating import migrate
from sqlalchemy import func, select

from bot.alerts.receive import AlertService
from bot.domain.alert_rules import Rules
from bot.domain.alerts import Source
from bot.intake.alertmanager import read_webhook
from bot.storage.db import Database
from bot.storage.tables import AlertGroupRow
from tests.alert_samples import body

NOW = datetime(2026, 12, 6, 19, 27, tzinfo=UTC)


def test_a_group_stored_before_is_found_by_its_next_notification_and_another_sender_gets_its_own(
    empty_url: str,
) -> None:
    db = Database(empty_url)
    db.upgrade()
    receiver = AlertService(db, rules=Rules(), clock=lambda: NOW)
    first = receiver.receive(read_webhook(body("alertmanager_firing"), source=Source.ALERTMANAGER, sender="prod"))
    migrate(db, "0031", down=True)  # as a version before 0032 stored it
    db.upgrade()
    again = receiver.receive(read_webhook(body("alertmanager_firing"), source=Source.ALERTMANAGER, sender="prod"))
    assert (again.created, again.duplicate, again.group_id) == (False, True, first.group_id)
    staging = receiver.receive(read_webhook(body("alertmanager_firing"), source=Source.ALERTMANAGER, sender="staging"))
    assert staging.created and staging.group_id != first.group_id
    with db.read() as session:
        assert session.execute(select(func.count()).select_from(AlertGroupRow)).scalar_one() == 2
    db.dispose()
