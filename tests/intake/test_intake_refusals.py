"""The alert endpoints' refusals, through the intake's WSGI app in-process on both backends, as a
server hands it a request: a wrong or missing token is a 401 asking for a right one, a malformed
notification a 400 naming the field, and neither stores anything. One of each also runs end to
end over HTTP (tests/e2e/test_e2e_alert_intake.py)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import pytest

from bot.alerts.receive import AlertService
from bot.clock import utc_now
from bot.domain.alert_rules import Rules
from bot.domain.alert_tokens import read_tokens
from bot.intake.app import AlertIntake
from bot.storage.db import Database
from tests.alert_samples import AM_SECRET, TOKENS_SETTING, body, raw


def post(intake: AlertIntake, path: str, sent: bytes, headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
    """`sent` POSTed to `path` with `headers`: the status, the JSON answer and the headers."""
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_LENGTH": str(len(sent)),
        "wsgi.input": io.BytesIO(sent),
        **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()},
    }
    if "Content-Type" in headers:
        environ["CONTENT_TYPE"] = headers["Content-Type"]
    answered: list[tuple[str, list[tuple[str, str]]]] = []
    answer = b"".join(intake(environ, lambda status, headers, *_: answered.append((status, headers))))  # type: ignore[arg-type]
    [(status, headers_sent)] = answered
    return int(status.split()[0]), json.loads(answer), dict(headers_sent)


@pytest.fixture
def intake(any_db: Database) -> AlertIntake:
    return AlertIntake(AlertService(any_db, rules=Rules(), clock=utc_now), read_tokens(TOKENS_SETTING))


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-secret-of-the-right-length", "Basic YW06cHc=", "Bearer", "s3cr3t-test-token-of-alertmanager"],
)
def test_alertmanager_without_a_right_bearer_token_is_refused_and_nothing_stored(
    intake: AlertIntake, any_db: Database, authorization: str | None, unchanged: Callable[..., Any]
) -> None:
    headers = {"Content-Type": "application/json"} | ({"Authorization": authorization} if authorization else {})
    with unchanged(any_db):
        status, answer, answered_headers = post(intake, "/alerts/alertmanager", raw("alertmanager_firing"), headers)
    assert status == 401
    assert answer == {"error": "send Authorization: Bearer <a secret of INCIDENT_ALERT_TOKENS>"}
    assert answered_headers["WWW-Authenticate"] == 'Bearer realm="alerts"'


@pytest.mark.parametrize(
    ("sent", "error"),
    [
        (b"{not json", "the body is not JSON"),
        (b"\xff\xfe", "the body is not JSON"),
        (json.dumps(body("alertmanager_firing", groupKey=None)).encode(), "groupKey is missing"),
        (json.dumps(body("alertmanager_firing", alerts=[{"status": "firing"}])).encode(), "alerts[0].labels is"),
        (json.dumps(body("grafana_documented")).encode(), "version is '1', Alertmanager sends '4'"),
    ],
)
def test_a_malformed_notification_is_a_400_naming_the_field_and_stores_nothing(
    intake: AlertIntake, any_db: Database, sent: bytes, error: str, unchanged: Callable[..., Any]
) -> None:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {AM_SECRET}"}
    with unchanged(any_db):
        status, answer, _ = post(intake, "/alerts/alertmanager", sent, headers)
    assert status == 400
    assert answer["error"].startswith(error)
