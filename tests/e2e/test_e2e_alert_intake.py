"""The alert endpoints over HTTP, as Alertmanager, Grafana and an Events API client send to them,
on SQLite and PostgreSQL: accepted and deduplicated, or refused with nothing stored."""

from __future__ import annotations

import http.client
import json
import logging
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from alert_posts import alerting_stack, enqueue, from_alertmanager, from_grafana, post, stored
from e2e_stack import Stack, metrics_at

from bot.request_body import MAX_BODY_BYTES
from tests.alert_samples import AM_SECRET, EVENTS_SECRET, body, event, raw
from tests.conftest import database_state


@pytest.fixture
def alerting(make_stack: Callable[..., Stack]) -> Stack:
    return alerting_stack(make_stack)


def test_alertmanager_notifications_are_stored_once_however_often_sent(alerting: Stack) -> None:
    first = from_alertmanager(alerting.url, "alertmanager_firing")
    assert first.status == 200
    assert first.body == {
        "status": "success",
        "group": "new",
        "firing": 1,
        "resolved": 0,
        "changed": 1,
        "duplicate": False,
        "stale": 0,
    }
    for _ in range(2):  # repeat_interval, and the other Alertmanager of an HA pair
        again = from_alertmanager(alerting.url, "alertmanager_firing")
        assert (again.status, again.body["group"], again.body["duplicate"]) == (200, "known", True)
    resolved = from_alertmanager(alerting.url, "alertmanager_resolved")
    assert (resolved.body["firing"], resolved.body["resolved"], resolved.body["changed"]) == (0, 1, 1)
    assert stored(alerting) == (1, 1, 1)


def test_grafana_notifications_are_stored(alerting: Stack) -> None:
    answer = from_grafana(alerting.url, raw("grafana_documented"))
    assert (answer.status, answer.body["firing"], answer.body["group"]) == (200, 2, "new")
    assert stored(alerting) == (1, 2, 2)


def test_an_event_is_answered_as_pagerduty_answers(alerting: Stack) -> None:
    triggered = enqueue(alerting.url, event("pagerduty_trigger_openapi"))
    assert triggered.status == 202
    assert triggered.body == {"status": "success", "message": "Event processed", "dedup_key": "srv01/mysql"}
    without_key = event("pagerduty_trigger_documented")
    del without_key["dedup_key"]
    made = enqueue(alerting.url, without_key)
    assert made.status == 202 and len(made.body["dedup_key"]) == 32  # made here, to resolve it with later
    resolved = enqueue(alerting.url, event("pagerduty_resolve_documented", dedup_key=made.body["dedup_key"]))
    assert resolved.body == {"status": "success", "message": "Event processed", "dedup_key": made.body["dedup_key"]}
    assert stored(alerting) == (2, 2, 2)


# One of each refusal end to end; every token and every malformed body in-process on both
# backends, with these (tests/intake/test_intake_refusals.py).
@pytest.mark.parametrize("authorization", [None, "Bearer wrong-secret-of-the-right-length"])
def test_alertmanager_without_a_right_bearer_token_is_refused_and_nothing_stored(
    alerting: Stack, authorization: str | None, unchanged: Callable[..., Any]
) -> None:
    headers = {"Content-Type": "application/json"} | ({"Authorization": authorization} if authorization else {})
    with unchanged(alerting.runtime.db):
        answer = post(alerting.url, "/alerts/alertmanager", raw("alertmanager_firing"), headers)
    assert answer.status == 401
    assert answer.body == {"error": "send Authorization: Bearer <a secret of INCIDENT_ALERT_TOKENS>"}
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="alerts"'


def test_an_event_with_a_wrong_routing_key_is_refused_and_nothing_stored(
    alerting: Stack, unchanged: Callable[..., Any]
) -> None:
    with unchanged(alerting.runtime.db):
        wrong = enqueue(alerting.url, event("pagerduty_trigger_openapi", routing_key="samplekeyhere"))
        missing = enqueue(alerting.url, event("pagerduty_trigger_openapi", routing_key=None))
    for answer in (wrong, missing):
        assert answer.status == 401
        assert answer.body["status"] == "unauthorized"
        assert answer.body["errors"] == ["routing_key is not a secret of INCIDENT_ALERT_TOKENS"]


def test_each_token_only_opens_the_door_it_is_sent_to(alerting: Stack, unchanged: Callable[..., Any]) -> None:
    """The events endpoint reads its secret from the event: a Bearer header there is no routing key."""
    with unchanged(alerting.runtime.db):
        answer = post(
            alerting.url,
            "/alerts/v2/enqueue",
            json.dumps({k: v for k, v in event("pagerduty_trigger_openapi").items() if k != "routing_key"}).encode(),
            {"Authorization": f"Bearer {EVENTS_SECRET}"},
        )
    assert answer.status == 401


@pytest.mark.parametrize(
    ("sent", "error"),
    [
        (b"{not json", "the body is not JSON"),
        (json.dumps(body("alertmanager_firing", groupKey=None)).encode(), "groupKey is missing"),
    ],
)
def test_a_malformed_notification_is_a_400_naming_the_field_and_stores_nothing(
    alerting: Stack, sent: bytes, error: str, unchanged: Callable[..., Any]
) -> None:
    with unchanged(alerting.runtime.db):
        answer = from_alertmanager(alerting.url, "alertmanager_firing", body=sent)
    assert answer.status == 400
    assert answer.body["error"].startswith(error)


def test_an_invalid_event_is_a_400_listing_every_field_and_stores_nothing(
    alerting: Stack, unchanged: Callable[..., Any]
) -> None:
    sent = event("pagerduty_trigger_openapi", event_action="page")
    sent["payload"] = {"summary": "DISK at 99%"}
    with unchanged(alerting.runtime.db):
        answer = enqueue(alerting.url, sent)
    assert answer.status == 400
    assert answer.body == {
        "status": "invalid event",
        "message": "Event object is invalid",
        "errors": ["'event_action' must be one of trigger, acknowledge, resolve"],
    }
    sent["event_action"] = "trigger"
    with unchanged(alerting.runtime.db):
        answer = enqueue(alerting.url, sent)
    assert answer.body["errors"] == [
        "'payload.source' is required",
        "'payload.severity' must be one of critical, error, warning, info",
    ]


def test_text_no_database_can_store_is_a_400_naming_the_field_on_both_backends_and_stores_nothing(
    alerting: Stack, unchanged: Callable[..., Any]
) -> None:
    """Valid JSON a Go sender can write (a label value with a NUL character) or a JSON text holding
    half a surrogate pair: PostgreSQL refused the first and both backends the second with a 500,
    which Alertmanager retries until the notification expires, and SQLite stored the NUL."""
    with_nul = body("alertmanager_firing")
    with_nul["alerts"][0]["labels"]["instance"] = "web-1\x00:9100"
    lone_half = body("grafana_documented")
    lone_half["alerts"][1]["annotations"] = {"summary": "disk \ud800 full"}
    nul_key = event("pagerduty_trigger_openapi")
    nul_key["payload"]["custom_details"] = {"free\x00space": "2%"}
    with unchanged(alerting.runtime.db):
        from_am = from_alertmanager(alerting.url, "alertmanager_firing", body=json.dumps(with_nul).encode())
        from_grafana_ = from_grafana(alerting.url, json.dumps(lone_half).encode())
        from_events = enqueue(alerting.url, nul_key)
    assert (from_am.status, from_am.body) == (
        400,
        {"error": "alerts[0].labels.instance contains a NUL character (\\u0000), which cannot be stored"},
    )
    assert (from_grafana_.status, from_grafana_.body) == (
        400,
        {
            "error": "alerts[1].annotations.summary contains half of a surrogate pair (\\ud800-\\udfff), "
            "which is not text"
        },
    )
    assert from_events.status == 400
    assert from_events.body == {
        "status": "invalid event",
        "message": "Event object is invalid",
        "errors": ["payload.custom_details has a key that contains a NUL character (\\u0000), which cannot be stored"],
    }
    assert from_alertmanager(alerting.url, "alertmanager_firing").status == 200  # the same alert, as it should be
    assert stored(alerting) == (1, 1, 1)


@pytest.mark.parametrize("path", ["/alerts/alertmanager", "/alerts/v2/enqueue"])
def test_a_body_over_one_mib_is_refused_before_it_is_read(alerting: Stack, path: str) -> None:
    """The declared length alone refuses it: the client sends the headers and waits."""
    host, port = alerting.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    before = database_state(alerting.runtime.db)
    connection.putrequest("POST", path)
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Authorization", f"Bearer {AM_SECRET}")
    connection.putheader("Content-Length", str(MAX_BODY_BYTES + 1))
    connection.endheaders()  # not a byte of the body
    answer = connection.getresponse()
    assert answer.status == 413
    assert json.loads(answer.read())["error" if path.endswith("alertmanager") else "status"]
    connection.close()
    assert database_state(alerting.runtime.db) == before


def test_without_tokens_the_endpoints_are_not_there_and_the_log_says_why(
    make_stack: Callable[..., Stack], caplog: pytest.LogCaptureFixture, unchanged: Callable[..., Any]
) -> None:
    stack = make_stack()
    with caplog.at_level(logging.WARNING, logger="bot.intake.app"), unchanged(stack.runtime.db):
        answers = [
            from_alertmanager(stack.url, "alertmanager_firing"),
            enqueue(stack.url, event("pagerduty_trigger_openapi")),
        ]
    assert [answer.status for answer in answers] == [404, 404]
    assert "no alert is accepted while INCIDENT_ALERT_TOKENS is not set" in caplog.text
    assert "s3cr3t" not in caplog.text


def test_alerts_are_only_posted(alerting: Stack) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{alerting.url}/alerts/alertmanager", timeout=5)  # noqa: S310 - loopback
    assert refused.value.code == 405 and refused.value.headers["Allow"] == "POST"


def test_metrics_count_alerts_groups_duplicates_and_refusals(alerting: Stack, tmp_path: Any) -> None:
    before = metrics_at(alerting.url)
    from_alertmanager(alerting.url, "alertmanager_firing")
    from_alertmanager(alerting.url, "alertmanager_firing")
    from_alertmanager(alerting.url, "alertmanager_resolved")
    from_alertmanager(alerting.url, "alertmanager_firing", secret="not-the-secret-at-all")
    enqueue(alerting.url, event("pagerduty_trigger_openapi"))
    enqueue(alerting.url, event("pagerduty_acknowledge_documented", dedup_key="srv01/mysql"))
    after = metrics_at(alerting.url)

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert grew("incident_bot_alerts_received_total", source="alertmanager", status="firing") == 2
    assert grew("incident_bot_alerts_received_total", source="alertmanager", status="resolved") == 1
    assert grew("incident_bot_alerts_received_total", source="events", status="firing") == 1
    assert grew("incident_bot_alerts_received_total", source="events", status="acknowledged") == 1
    assert grew("incident_bot_alert_groups_created_total", source="alertmanager") == 1
    assert grew("incident_bot_alert_groups_created_total", source="events") == 1
    assert grew("incident_bot_alert_duplicates_total", source="alertmanager") == 1
    assert grew("incident_bot_alert_requests_refused_total", source="alertmanager", reason="unauthorized") == 1
    scraped = tmp_path / "metrics.txt"
    with urllib.request.urlopen(f"{alerting.url}/metrics", timeout=5) as answer:  # noqa: S310 - loopback
        scraped.write_bytes(answer.read())
    checked = subprocess.run(
        ["promtool", "check", "metrics"], input=scraped.read_bytes(), capture_output=True, check=False
    )
    assert checked.returncode == 0, checked.stdout.decode() + checked.stderr.decode()
