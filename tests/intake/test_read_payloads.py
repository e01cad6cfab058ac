"""Alertmanager's, Grafana's and the Events API's payloads read into one shape, from the bodies
they really send (tests/alert_payloads), and every malformed one refused naming its field."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from bot.domain.alerts import AlertLink, AlertStatus, Source
from bot.intake.alertmanager import read_webhook
from bot.intake.events import InvalidEvent, read_event, routing_key
from bot.reading import Malformed
from tests.alert_samples import EVENTS_SECRET, body, event


def test_alertmanager_firing_as_captured() -> None:
    notification = read_webhook(body("alertmanager_firing"), source=Source.ALERTMANAGER, sender="prod")
    assert notification.group_key == '{}:{alertname="HighErrorRate", service="web"}'
    assert notification.summary == "5xx rate above 5% on web"
    assert notification.severity == 1
    assert notification.group_labels == {"alertname": "HighErrorRate", "service": "web"}
    assert notification.external_url == "http://127.0.0.1:19093"
    [alert] = notification.alerts
    assert alert.key == "d3f9537e8716c34e"
    assert alert.status is AlertStatus.FIRING
    assert alert.name == "HighErrorRate"
    assert alert.starts_at == datetime(2026, 12, 6, 19, 26, 36, 275178, tzinfo=UTC)  # nanoseconds cut
    assert alert.ends_at is None  # Go's zero time: no end
    source, silence = alert.links
    assert source == AlertLink(
        "Source",
        "http://prometheus.example.com/graph?g0.expr=rate%28http_requests_total%7Bcode%3D~%225..%22%7D%5B5m%5D%29",
    )
    assert silence.label == "Silence"
    assert silence.url.startswith("http://127.0.0.1:19093/#/silences/new?filter=%7Balertname%3D%22HighErrorRate%22")


def test_alertmanager_resolved_as_captured() -> None:
    [alert] = read_webhook(body("alertmanager_resolved"), source=Source.ALERTMANAGER, sender="prod").alerts
    assert alert.status is AlertStatus.RESOLVED
    assert alert.ends_at == datetime(2026, 12, 6, 19, 26, 40, tzinfo=UTC)


def test_alertmanager_max_alerts_says_how_many_it_left_out() -> None:
    notification = read_webhook(body("alertmanager_max_alerts"), source=Source.ALERTMANAGER, sender="prod")
    assert notification.truncated == 1
    assert [alert.labels["instance"] for alert in notification.alerts] == ["pay-1", "pay-2"]
    assert notification.summary == "PaymentsLatency"  # no common summary: the alertname
    assert all(link.label != "Source" for alert in notification.alerts for link in alert.links)  # generatorURL ""


def test_grafana_documented_example() -> None:
    notification = read_webhook(body("grafana_documented"), source=Source.GRAFANA, sender="grafana")
    assert notification.group_key == "{}:{}"
    assert notification.common_labels == {"team": "blue"}
    assert notification.summary == "High memory usage and 1 more"  # no common summary or alertname
    first, second = notification.alerts
    assert first.key == "c6eadffa33fcdf37"
    assert first.starts_at == datetime(2021, 10, 12, 9, 51, 3, 157076, tzinfo=timezone(timedelta(hours=2)))
    assert [link.label for link in first.links] == ["Source", "Silence"]  # empty dashboard and panel URLs
    assert first.links[1].url.startswith("https://play.grafana.org/alerting/silence/new?")
    assert second.labels["zone"] == "eu-1"


def test_grafanas_payload_sent_to_alertmanagers_endpoint_is_refused_saying_where_it_goes() -> None:
    with pytest.raises(Malformed) as refused:
        read_webhook(body("grafana_documented"), source=Source.ALERTMANAGER, sender="prod")
    assert str(refused.value) == (
        "version is '1', Alertmanager sends '4': that is Grafana's payload, send it to /alerts/grafana"
    )


def test_the_same_fingerprint_twice_is_one_alert() -> None:
    sent = body("alertmanager_firing")
    sent["alerts"] = sent["alerts"] * 2
    assert len(read_webhook(sent, source=Source.ALERTMANAGER, sender="prod").alerts) == 1


def _alert_changed(**changes: Any) -> dict[str, Any]:
    sent = body("alertmanager_firing")
    sent["alerts"] = [sent["alerts"][0] | changes]
    return sent


@pytest.mark.parametrize(
    ("sent", "wanted"),
    [
        ([], "the body must be a JSON object, not a list"),
        (body("alertmanager_firing", groupKey=None), "groupKey is missing"),
        (body("alertmanager_firing", groupKey=""), "groupKey is empty"),
        (body("alertmanager_firing", alerts=None), "alerts is missing"),
        (body("alertmanager_firing", alerts={}), "alerts must be a list, not an object"),
        (body("alertmanager_firing", alerts=[7]), "alerts[0] must be a JSON object, not a number"),
        (body("alertmanager_firing", commonLabels={"a": 1}), "commonLabels.a must be a string, not a number"),
        (body("alertmanager_firing", truncatedAlerts="1"), "truncatedAlerts must be a whole number, not a string"),
        (_alert_changed(fingerprint=None), "alerts[0].fingerprint is missing"),
        (_alert_changed(status="pending"), "alerts[0].status must be firing or resolved, not 'pending'"),
        (_alert_changed(labels=None), "alerts[0].labels is missing"),
        (_alert_changed(labels=["a"]), "alerts[0].labels must be a JSON object, not a list"),
        (_alert_changed(startsAt="yesterday"), "alerts[0].startsAt is not an RFC 3339 time: 'yesterday'"),
        (_alert_changed(startsAt="2026-12-06T19:26:36"), "alerts[0].startsAt has no time zone offset"),
        (_alert_changed(fingerprint="f" * 256), "alerts[0].fingerprint is longer than 255 characters"),
    ],
)
def test_a_malformed_webhook_is_refused_naming_the_field(sent: object, wanted: str) -> None:
    with pytest.raises(Malformed) as refused:
        read_webhook(sent, source=Source.ALERTMANAGER, sender="prod")
    assert str(refused.value).startswith(wanted)


def test_a_link_that_is_not_http_is_not_shown() -> None:
    [alert] = read_webhook(
        _alert_changed(generatorURL="javascript:alert(1)"), source=Source.ALERTMANAGER, sender="prod"
    ).alerts
    assert [link.label for link in alert.links] == ["Silence"]


def test_an_events_trigger_as_documented() -> None:
    read = read_event(event("pagerduty_trigger_openapi"), sender="Events API", new_key=lambda: "made-here")
    assert read.action == "trigger"
    assert read.dedup_key == "srv01/mysql"
    notification = read.notification
    assert notification.source is Source.EVENTS
    assert notification.group_key == "srv01/mysql"
    assert notification.summary == "DISK at 99% on machine prod-datapipe03.example.com"
    assert notification.severity == 1
    [alert] = notification.alerts
    assert alert.labels == {
        "severity": "critical",
        "source": "prod-datapipe03.example.com",
        "component": "mysql",
        "group": "prod-datapipe",
        "class": "disk",
    }
    assert alert.starts_at == datetime(2015, 7, 17, 8, 42, 58, 315000, tzinfo=UTC)
    assert [link.label for link in alert.links] == [
        "Sample Monitoring Service",
        "An example link.",
        "An example link with an image",
    ]


def test_an_events_trigger_without_a_dedup_key_gets_one() -> None:
    sent = event("pagerduty_trigger_documented")
    del sent["dedup_key"]
    read = read_event(sent, sender="Events API", new_key=lambda: "made-here")
    assert (read.dedup_key, read.notification.group_key, read.notification.alerts[0].key) == ("made-here",) * 3
    assert read.notification.severity == 4  # info


@pytest.mark.parametrize(("name", "status"), [("acknowledge", AlertStatus.FIRING), ("resolve", AlertStatus.RESOLVED)])
def test_an_acknowledge_or_resolve_names_only_its_alert(name: str, status: AlertStatus) -> None:
    read = read_event(event(f"pagerduty_{name}_documented"), sender="Events API", new_key=lambda: "x")
    [alert] = read.notification.alerts
    assert (alert.key, alert.status, alert.described, alert.acknowledged) == (
        "dedupkeyhere",
        status,
        False,
        name == "acknowledge",
    )


def test_the_routing_key_is_read_before_anything_else() -> None:
    assert routing_key(event("pagerduty_resolve_documented")) == EVENTS_SECRET
    assert routing_key({"routing_key": 7}) == ""
    assert routing_key([]) == ""


def _payload_changed(**changes: Any) -> dict[str, Any]:
    sent = event("pagerduty_trigger_openapi")
    sent["payload"] = sent["payload"] | changes
    return sent


@pytest.mark.parametrize(
    ("sent", "wanted"),
    [
        (event("pagerduty_trigger_openapi", event_action="page"), "'event_action' must be one of"),
        (event("pagerduty_resolve_documented", dedup_key=None), "'dedup_key' is required to resolve"),
        (event("pagerduty_trigger_openapi", dedup_key="k" * 256), "'dedup_key' must be a non-empty string"),
        (event("pagerduty_trigger_openapi", payload=None), "'payload' is required to trigger"),
        (_payload_changed(summary=""), "'payload.summary' is required"),
        (_payload_changed(summary="s" * 1025), "'payload.summary' is longer than 1024 characters"),
        (_payload_changed(source=None), "'payload.source' is required"),
        (_payload_changed(severity="high"), "'payload.severity' must be one of critical, error, warning, info"),
        (_payload_changed(timestamp="2015-07-17"), "'payload.timestamp' must be an ISO 8601 time with its offset"),
        (event("pagerduty_trigger_openapi", links=[{"text": "no href"}]), "'links' must be a list of objects"),
    ],
)
def test_an_invalid_event_is_refused_naming_the_field(sent: dict[str, Any], wanted: str) -> None:
    with pytest.raises(InvalidEvent) as refused:
        read_event(sent, sender="Events API", new_key=lambda: "x")
    assert any(error.startswith(wanted) for error in refused.value.errors), refused.value.errors


def test_every_invalid_field_of_an_event_is_named_at_once() -> None:
    with pytest.raises(InvalidEvent) as refused:
        read_event(_payload_changed(summary=None, severity=None), sender="Events API", new_key=lambda: "x")
    assert refused.value.errors == [
        "'payload.summary' is required",
        "'payload.severity' must be one of critical, error, warning, info",
    ]
