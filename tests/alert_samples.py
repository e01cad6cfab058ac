"""The alert payloads of `tests/alert_payloads/` (see its README), and a test's alert tokens."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.domain.alert_tokens import AlertToken

PAYLOADS = Path(__file__).parent / "alert_payloads"
AM_SECRET = "s3cr3t-test-token-of-alertmanager"
GRAFANA_SECRET = "grafana-secret-of-the-tests"
EVENTS_SECRET = "e93facc04764012d7bfb002500d5d1a6"
TOKENS = (
    AlertToken("prod-alertmanager", AM_SECRET),
    AlertToken("grafana", GRAFANA_SECRET),
    AlertToken(None, EVENTS_SECRET),
)
TOKENS_SETTING = f"prod-alertmanager:{AM_SECRET},grafana:{GRAFANA_SECRET},{EVENTS_SECRET}"


def raw(name: str) -> bytes:
    """A payload's bytes as the sender sent them."""
    return (PAYLOADS / f"{name}.json").read_bytes()


def body(name: str, **changes: Any) -> dict[str, Any]:
    """A payload as JSON, with top-level fields changed (an event's routing key, ...)."""
    loaded: dict[str, Any] = json.loads(raw(name))
    return loaded | changes


def event(name: str, **changes: Any) -> dict[str, Any]:
    """A documented Events API example, sent with the tests' events secret."""
    return body(name, **({"routing_key": EVENTS_SECRET} | changes))
