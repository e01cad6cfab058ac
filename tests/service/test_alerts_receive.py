"""Alerts received: one group per group key and one row per alert however often, late or
concurrently the same notification arrives, on SQLite and PostgreSQL (docs/behaviour.md, Alerts)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.alerts.receive import AlertService
from bot.domain.alert_rules import Rules, read_rules
from bot.domain.alerts import AlertStatus, Change, Counts, Notification, Source, Triage
from bot.intake.alertmanager import read_webhook
from bot.intake.events import read_event
from bot.storage import alerts
from bot.storage.db import Database
from bot.storage.tables import AlertGroupRow, AlertMemberRow, AlertRow
from tests.alert_samples import body, event
from tests.conftest import database_state

NOW = datetime(2026, 12, 6, 19, 27, tzinfo=UTC)
FORK = multiprocessing.get_context("fork")


def webhook(name: str, source: Source = Source.ALERTMANAGER, **changes: Any) -> Notification:
    return read_webhook(body(name, **changes), source=source, sender="prod-alertmanager")


def events(name: str, **changes: Any) -> Notification:
    return read_event(event(name, **changes), sender="Events API", new_key=lambda: "made-here").notification


@pytest.fixture
def receiver(any_db: Database) -> AlertService:
    return AlertService(any_db, rules=Rules(), clock=lambda: NOW)


def rows(db: Database, table: Any) -> int:
    with db.read() as session:
        return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def stored_alert(db: Database, key: str) -> alerts.StoredAlert:
    with db.read() as session:
        return alerts.alerts_by_key(
            session=session, source=Source.ALERTMANAGER, sender="prod-alertmanager", keys=[key]
        )[key]


def test_two_senders_alike_labelled_alerts_are_two_alerts_each_resolved_by_its_own_sender(
    receiver: AlertService, any_db: Database
) -> None:
    """Prod's and staging's Alertmanagers send the same labels (the same fingerprint) in the same
    `groupKey`: each has its group and its own alert, so staging's resolution leaves prod's firing,
    and prod's next notification is a resend, not a late copy dropped."""
    firing, resolved = body("alertmanager_firing"), body("alertmanager_resolved")
    prod = receiver.receive(read_webhook(firing, source=Source.ALERTMANAGER, sender="prod"))
    staging = receiver.receive(read_webhook(firing, source=Source.ALERTMANAGER, sender="staging"))
    assert staging.created and staging.changes == (("d3f9537e8716c34e", Change.NEW_FIRING),)
    over = receiver.receive(read_webhook(resolved, source=Source.ALERTMANAGER, sender="staging"))
    assert over.group_id == staging.group_id and over.counts == Counts(firing=0, resolved=1)
    again = receiver.receive(read_webhook(firing, source=Source.ALERTMANAGER, sender="prod"))
    assert again.group_id == prod.group_id and again.duplicate
    with any_db.read() as session:
        assert alerts.counts(session=session, group_id=prod.group_id or 0) == Counts(firing=1, resolved=0)
    assert rows(any_db, AlertRow) == 2


def test_a_new_group_is_stored_with_its_alert(receiver: AlertService, any_db: Database) -> None:
    receipt = receiver.receive(webhook("alertmanager_firing"))
    assert receipt.created and not receipt.duplicate
    assert receipt.changes == (("d3f9537e8716c34e", Change.NEW_FIRING),)
    assert receipt.counts == Counts(firing=1, resolved=0)
    assert receipt.group_id is not None
    with any_db.read() as session:
        group = alerts.get_group(session=session, group_id=receipt.group_id)
    assert group is not None
    assert (group.summary, group.title, group.severity, group.triage, group.sender) == (
        "5xx rate above 5% on web",
        "5xx rate above 5% on web",
        1,
        Triage.OPEN,
        "prod-alertmanager",
    )
    alert = stored_alert(any_db, "d3f9537e8716c34e")
    assert alert.state.status is AlertStatus.FIRING
    assert alert.first_fired_at == datetime(2026, 12, 6, 19, 26, 36, 275178, tzinfo=UTC)


def test_resends_and_retries_are_absorbed(receiver: AlertService, any_db: Database) -> None:
    receiver.receive(webhook("alertmanager_firing"))
    before = database_state(any_db)
    for _ in range(3):  # group_interval, repeat_interval, a retry after a timeout
        receipt = receiver.receive(webhook("alertmanager_firing"))
        assert receipt.duplicate and not receipt.created
        assert receipt.changes == (("d3f9537e8716c34e", Change.UNCHANGED),)
    after = database_state(any_db)
    assert after["alert"] == before["alert"]
    assert (rows(any_db, AlertGroupRow), rows(any_db, AlertRow), rows(any_db, AlertMemberRow)) == (1, 1, 1)


def test_an_alert_resolves_then_fires_again_as_the_same_alert(receiver: AlertService, any_db: Database) -> None:
    receiver.receive(webhook("alertmanager_firing"))
    resolved = receiver.receive(webhook("alertmanager_resolved"))
    assert resolved.changes == (("d3f9537e8716c34e", Change.RESOLVED),)
    assert resolved.counts == Counts(firing=0, resolved=1)
    assert stored_alert(any_db, "d3f9537e8716c34e").state.ends_at == datetime(2026, 12, 6, 19, 26, 40, tzinfo=UTC)
    again = body("alertmanager_firing")
    again["alerts"][0]["startsAt"] = "2026-12-06T19:40:00.5Z"
    fired = receiver.receive(read_webhook(again, source=Source.ALERTMANAGER, sender="prod-alertmanager"))
    assert fired.changes == (("d3f9537e8716c34e", Change.FIRED_AGAIN),)
    alert = stored_alert(any_db, "d3f9537e8716c34e")
    assert (alert.state.status, alert.state.ends_at, alert.fired) == (AlertStatus.FIRING, None, 2)
    assert alert.first_fired_at == datetime(2026, 12, 6, 19, 26, 36, 275178, tzinfo=UTC)
    assert rows(any_db, AlertRow) == 1


def test_a_late_copy_of_the_firing_notification_does_not_undo_the_resolution(
    receiver: AlertService, any_db: Database
) -> None:
    receiver.receive(webhook("alertmanager_firing"))
    receiver.receive(webhook("alertmanager_resolved"))
    late = receiver.receive(webhook("alertmanager_firing"))  # the HA pair's slower half
    assert late.changes == (("d3f9537e8716c34e", Change.STALE),) and late.duplicate
    assert stored_alert(any_db, "d3f9537e8716c34e").state.status is AlertStatus.RESOLVED


def test_a_truncated_notification_says_how_many_were_left_out(receiver: AlertService) -> None:
    receipt = receiver.receive(webhook("alertmanager_max_alerts"))
    assert receipt.counts == Counts(firing=2, resolved=0, truncated=1)


def test_an_alert_routed_to_two_receivers_is_one_alert_in_two_groups(receiver: AlertService, any_db: Database) -> None:
    payments = receiver.receive(webhook("alertmanager_max_alerts"))
    root = body("alertmanager_max_alerts", groupKey='{}:{alertname="PaymentsLatency", service="checkout"}')
    everything = receiver.receive(read_webhook(root, source=Source.ALERTMANAGER, sender="prod-alertmanager"))
    assert everything.created and everything.group_id != payments.group_id
    assert everything.changes == (("8ea29663fd05a3f3", Change.UNCHANGED), ("f15240b65df9c41a", Change.UNCHANGED))
    assert everything.counts == Counts(firing=2, resolved=0, truncated=1)
    assert (rows(any_db, AlertGroupRow), rows(any_db, AlertRow), rows(any_db, AlertMemberRow)) == (2, 2, 4)


def test_the_same_group_key_from_grafana_is_another_group(receiver: AlertService, any_db: Database) -> None:
    receiver.receive(webhook("alertmanager_firing"))
    grafana = read_webhook(
        body("grafana_documented", groupKey='{}:{alertname="HighErrorRate", service="web"}'),
        source=Source.GRAFANA,
        sender="grafana",
    )
    assert receiver.receive(grafana).created
    assert rows(any_db, AlertGroupRow) == 2


def test_an_event_is_triggered_acknowledged_and_resolved(receiver: AlertService, any_db: Database) -> None:
    triggered = receiver.receive(events("pagerduty_trigger_openapi"))
    assert triggered.created and triggered.changes == (("srv01/mysql", Change.NEW_FIRING),)
    acknowledged = receiver.receive(events("pagerduty_acknowledge_documented", dedup_key="srv01/mysql"))
    assert acknowledged.changes == (("srv01/mysql", Change.ACKNOWLEDGED),)
    assert receiver.receive(events("pagerduty_acknowledge_documented", dedup_key="srv01/mysql")).duplicate
    resolved = receiver.receive(events("pagerduty_resolve_documented", dedup_key="srv01/mysql"))
    assert resolved.changes == (("srv01/mysql", Change.RESOLVED),) and resolved.group_id == triggered.group_id
    with any_db.read() as session:
        found = alerts.alerts_by_key(session=session, source=Source.EVENTS, sender="Events API", keys=["srv01/mysql"])
        alert = found["srv01/mysql"]
        group = alerts.get_group(session=session, group_id=resolved.group_id or 0)
    assert alert.state.acknowledged_at == NOW and alert.state.status is AlertStatus.RESOLVED
    assert alert.labels["component"] == "mysql"  # the resolve said only which alert: its labels stay
    assert group is not None and group.summary == "DISK at 99% on machine prod-datapipe03.example.com"


def test_an_acknowledge_or_resolve_of_an_alert_never_triggered_stores_nothing(
    receiver: AlertService, any_db: Database, unchanged: Callable[..., Any]
) -> None:
    with unchanged(any_db):
        for name in ("pagerduty_acknowledge_documented", "pagerduty_resolve_documented"):
            receipt = receiver.receive(events(name))
            assert receipt.group_id is None and receipt.changes == (("dedupkeyhere", Change.STALE),)


def test_a_rule_that_ignores_keeps_the_group_out_of_sight(any_db: Database) -> None:
    rules = read_rules('[[rule]]\nname = "w"\nmatch = [\'alertname="DiskFull"\']\naction = "ignore"\n')
    receiver = AlertService(any_db, rules=rules, clock=lambda: NOW)
    receipt = receiver.receive(webhook("alertmanager_amtool"))
    with any_db.read() as session:
        group = alerts.get_group(session=session, group_id=receipt.group_id or 0)
        waiting = alerts.open_groups(session=session)
    assert group is not None and (group.triage, group.rule) == (Triage.IGNORED, "w")
    assert waiting == []


def test_a_declare_rule_with_after_waits_from_the_first_alerts_start(any_db: Database) -> None:
    rules = read_rules('[[rule]]\nname = "d"\naction = "declare"\nafter = "10m"\n')
    receipt = AlertService(any_db, rules=rules, clock=lambda: NOW).receive(webhook("alertmanager_amtool"))
    with any_db.read() as session:
        group = alerts.get_group(session=session, group_id=receipt.group_id or 0)
    started = datetime(2026, 12, 6, 19, 26, 48, 623538, tzinfo=UTC)
    assert group is not None and group.declare_at == started + timedelta(minutes=10)


# --- two processes receiving the same notifications at the same moment ------------------------------


def _receive_all(url: str, payloads: list[dict[str, Any]], barrier: object, results: object) -> None:
    receiver = AlertService(Database(url), rules=Rules(), clock=lambda: datetime.now(UTC))
    barrier.wait()  # type: ignore[attr-defined]
    for sent in payloads:
        receipt = receiver.receive(read_webhook(sent, source=Source.ALERTMANAGER, sender="prod-alertmanager"))
        results.put((receipt.group_id, receipt.created, [what.value for _, what in receipt.changes]))  # type: ignore[attr-defined]


@pytest.mark.postgres
def test_processes_receiving_the_same_notifications_at_once_make_one_group_and_one_alert_each(
    pg_db: Database, clean_postgres_url: str
) -> None:
    """An HA pair of Alertmanagers (or a retry racing its timed-out original) reaching two web
    processes at the same moment: real processes, each with its own connections, released together."""
    payloads = []
    for group in range(20):
        sent = body("alertmanager_max_alerts", groupKey=f'{{}}:{{alertname="PaymentsLatency{group}"}}')
        for position, alert in enumerate(sent["alerts"]):
            alert["fingerprint"] = f"{group:04x}{position:012x}"
        payloads.append(sent)
    barrier = FORK.Barrier(4)
    results = FORK.Queue()
    arguments = (clean_postgres_url, payloads, barrier, results)
    workers = [FORK.Process(target=_receive_all, args=arguments) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    received = [results.get(timeout=10) for _ in range(4 * len(payloads))]
    assert (rows(pg_db, AlertGroupRow), rows(pg_db, AlertRow), rows(pg_db, AlertMemberRow)) == (20, 40, 40)
    created = [group for group, made, _ in received if made]
    assert sorted(created) == sorted({group for group, _, _ in received})  # each group made exactly once
    news = [what for _, _, changes in received for what in changes if what == Change.NEW_FIRING.value]
    assert len(news) == 40  # each alert new exactly once; every other copy found it as it was
