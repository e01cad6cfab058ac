"""Alerts in one shape: severity and summary from what senders write, and what each received copy
of an alert changes, told apart by the alert's own times (resends, HA copies, late deliveries)."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.alerts import (
    Alert,
    AlertState,
    AlertStatus,
    Change,
    Notification,
    Source,
    after,
    change,
    severity_of,
    summary_of,
)

# Times of the captured Alertmanager 0.25.0 notifications (research/alertmanager-capture).
STARTS = datetime(2026, 12, 6, 19, 26, 36, 275178, tzinfo=UTC)
ENDS = datetime(2026, 12, 6, 19, 26, 40, tzinfo=UTC)
NOW = datetime(2026, 12, 6, 19, 27, tzinfo=UTC)
LABELS = {"alertname": "HighErrorRate", "instance": "web-1:9100", "service": "web", "severity": "critical"}


def firing(starts: datetime = STARTS) -> Alert:
    return Alert("d3f9537e8716c34e", AlertStatus.FIRING, LABELS, {"summary": "5xx rate above 5% on web"}, starts)


def resolved(ends: datetime = ENDS, starts: datetime = STARTS) -> Alert:
    return Alert("d3f9537e8716c34e", AlertStatus.RESOLVED, LABELS, {}, starts, ends)


@pytest.mark.parametrize(
    ("severity", "sev"),
    [
        ("critical", 1),
        ("CRITICAL", 1),
        ("error", 2),
        ("major", 2),
        ("warning", 3),
        ("info", 4),
        ("page", 2),
        ("", 2),
    ],
)
def test_the_severity_label_gives_the_incident_severity(severity: str, sev: int) -> None:
    assert severity_of({"severity": severity}) == sev


def test_an_alert_without_a_severity_label_is_sev2() -> None:
    assert severity_of({"alertname": "DiskFull"}) == 2


def test_alerts_of_differing_severities_are_as_severe_as_the_most_severe_firing() -> None:
    def sent(*alerts: tuple[str, AlertStatus]) -> Notification:
        found = tuple(Alert(f"a{n}", status, {"severity": word}) for n, (word, status) in enumerate(alerts))
        return Notification(Source.ALERTMANAGER, "prod", "{}:{}", found, common_labels={"alertname": "DiskFull"})

    on, off = AlertStatus.FIRING, AlertStatus.RESOLVED
    assert sent(("warning", on), ("critical", on)).severity == 1
    assert sent(("warning", on), ("critical", off)).severity == 3  # what fires now
    assert sent(("info", off), ("warning", off)).severity == 3  # none fires: all of them
    assert Notification(Source.ALERTMANAGER, "prod", "{}:{}", (Alert("a", on),)).severity == 2  # no label


def test_the_summary_is_the_common_summary_else_the_alertname_else_the_first_alert() -> None:
    assert summary_of({"summary": "5xx rate above 5% on web"}, {"alertname": "HighErrorRate"}) == (
        "5xx rate above 5% on web"
    )
    assert summary_of({}, {"alertname": "PaymentsLatency", "service": "checkout"}) == "PaymentsLatency"
    event = Alert("srv01/mysql", AlertStatus.FIRING, annotations={"summary": "DISK at 99% on prod-datapipe03"})
    assert summary_of({}, {}, (event,)) == "DISK at 99% on prod-datapipe03"
    assert len(summary_of({"summary": "x" * 1000}, {})) == 300


def test_a_notification_starts_at_its_earliest_alert() -> None:
    later = firing(STARTS + timedelta(minutes=3))
    other = Alert("8ea29663fd05a3f3", AlertStatus.FIRING, {"alertname": "X"}, {}, STARTS)
    notification = Notification(Source.ALERTMANAGER, "prod", "{}:{}", (later, other))
    assert notification.started_at == STARTS


@pytest.mark.parametrize(
    ("stored", "received", "wanted"),
    [
        (None, firing(), Change.NEW_FIRING),
        (None, resolved(), Change.NEW_RESOLVED),
        (AlertState(AlertStatus.FIRING, STARTS, None), firing(), Change.UNCHANGED),
        (AlertState(AlertStatus.FIRING, STARTS, None), resolved(), Change.RESOLVED),
        (AlertState(AlertStatus.RESOLVED, STARTS, ENDS), resolved(), Change.UNCHANGED),
        # the same alert firing again: Alertmanager gives it a new startsAt, after the resolution
        (AlertState(AlertStatus.RESOLVED, STARTS, ENDS), firing(ENDS + timedelta(minutes=2)), Change.FIRED_AGAIN),
        # a late copy of the firing notification, after the resolution was applied
        (AlertState(AlertStatus.RESOLVED, STARTS, ENDS), firing(), Change.STALE),
        # a late copy of the first resolution, after the alert fired again
        (AlertState(AlertStatus.FIRING, ENDS + timedelta(minutes=2), None), resolved(), Change.STALE),
    ],
)
def test_what_a_received_alert_changes(stored: AlertState | None, received: Alert, wanted: Change) -> None:
    assert change(stored, received) is wanted


def test_an_event_that_only_names_its_alert_changes_nothing_it_never_saw() -> None:
    acknowledge = Alert("srv01/mysql", AlertStatus.FIRING, acknowledged=True, described=False)
    resolve = Alert("srv01/mysql", AlertStatus.RESOLVED, described=False)
    assert change(None, acknowledge) is Change.STALE
    assert change(None, resolve) is Change.STALE


def test_an_acknowledge_counts_once_and_only_while_firing() -> None:
    acknowledge = Alert("srv01/mysql", AlertStatus.FIRING, acknowledged=True, described=False)
    stored = AlertState(AlertStatus.FIRING, STARTS, None)
    assert change(stored, acknowledge) is Change.ACKNOWLEDGED
    assert after(stored, acknowledge, Change.ACKNOWLEDGED, NOW) == AlertState(AlertStatus.FIRING, STARTS, None, NOW)
    assert change(AlertState(AlertStatus.FIRING, STARTS, None, NOW), acknowledge) is Change.UNCHANGED
    assert change(AlertState(AlertStatus.RESOLVED, STARTS, ENDS), acknowledge) is Change.UNCHANGED


def test_an_event_without_times_resolves_and_fires_again_now() -> None:
    stored = AlertState(AlertStatus.FIRING, STARTS, None)
    resolve = Alert("srv01/mysql", AlertStatus.RESOLVED, described=False)
    assert change(stored, resolve) is Change.RESOLVED
    done = after(stored, resolve, Change.RESOLVED, NOW)
    assert done == AlertState(AlertStatus.RESOLVED, STARTS, NOW)
    trigger = Alert("srv01/mysql", AlertStatus.FIRING, {"severity": "critical"})
    assert done is not None and change(done, trigger) is Change.FIRED_AGAIN
    assert after(done, trigger, Change.FIRED_AGAIN, NOW + timedelta(minutes=1)) == AlertState(
        AlertStatus.FIRING, NOW + timedelta(minutes=1), None
    )


def test_the_state_kept_after_eachchange() -> None:
    assert after(None, firing(), Change.NEW_FIRING, NOW) == AlertState(AlertStatus.FIRING, STARTS, None)
    assert after(None, resolved(), Change.NEW_RESOLVED, NOW) == AlertState(AlertStatus.RESOLVED, STARTS, ENDS)
    stored = AlertState(AlertStatus.FIRING, STARTS, None, NOW)
    assert after(stored, resolved(), Change.RESOLVED, NOW) == AlertState(AlertStatus.RESOLVED, STARTS, ENDS, NOW)
    assert after(stored, firing(), Change.UNCHANGED, NOW) is None
    assert after(stored, firing(), Change.STALE, NOW) is None


@pytest.mark.parametrize("what", list(Change))
def test_only_resends_and_stale_copies_go_unnoticed(what: Change) -> None:
    assert what.counts is (what not in (Change.UNCHANGED, Change.STALE))
