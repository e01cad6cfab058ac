"""Migration 0033: an alert is keyed by its sender too. An alert 0032's groups shared (prod's and
staging's, alike labelled) becomes one per sender, each group keeping its own; on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

from migrating import migrate
from sqlalchemy import MetaData, Table, func, insert, select

from bot.alerts.receive import AlertService
from bot.domain.alert_rules import Rules
from bot.domain.alerts import Counts, Source
from bot.intake.alertmanager import read_webhook
from bot.storage import alerts
from bot.storage.alerts import key_hash
from bot.storage.db import Database
from bot.storage.tables import AlertRow
from tests.alert_samples import body

NOW = datetime(2026, 12, 6, 19, 27, tzinfo=UTC)


def test_an_alert_two_senders_groups_shared_becomes_one_per_sender_with_its_state(empty_url: str) -> None:
    db = Database(empty_url)
    db.upgrade()
    receiver = AlertService(db, rules=Rules(), clock=lambda: NOW)
    prod = receiver.receive(read_webhook(body("alertmanager_firing"), source=Source.ALERTMANAGER, sender="prod"))
    migrate(db, "0032", down=True)
    with db.engine.begin() as connection:  # staging's group as 0032 stored it: holding prod's alert
        groups = Table("alert_group", MetaData(), autoload_with=connection)
        row = connection.execute(select(groups).where(groups.c.id == prod.group_id)).one()._asdict()
        row.pop("id")
        row |= {"sender": "staging", "key_hash": key_hash("staging", row["group_key"])}
        staging_id = connection.execute(insert(groups).values(row).returning(groups.c.id)).scalar_one()
        members = Table("alert_group_member", MetaData(), autoload_with=connection)
        (alert_id,) = connection.execute(select(members.c.alert_id)).one()
        connection.execute(insert(members).values(group_id=staging_id, alert_id=alert_id))
    db.upgrade()
    with db.read() as session:
        held = {
            group_id: alerts.alerts_of(session=session, group_id=group_id)
            for group_id in (prod.group_id or 0, staging_id)
        }
        senders = dict(session.execute(select(AlertRow.id, AlertRow.sender)).all())
    assert [len(found) for found in held.values()] == [1, 1]
    (prod_alert,), (staging_alert,) = held.values()
    assert (senders[prod_alert.id], senders[staging_alert.id]) == ("prod", "staging")
    assert prod_alert.id == alert_id and staging_alert.state == prod_alert.state
    assert staging_alert.labels == prod_alert.labels and staging_alert.first_fired_at == prod_alert.first_fired_at

    over = receiver.receive(read_webhook(body("alertmanager_resolved"), source=Source.ALERTMANAGER, sender="staging"))
    assert over.group_id == staging_id and over.counts == Counts(firing=0, resolved=1)
    with db.read() as session:
        assert alerts.counts(session=session, group_id=prod.group_id or 0) == Counts(firing=1, resolved=0)
        assert session.execute(select(func.count()).select_from(AlertRow)).scalar_one() == 2
    db.dispose()
