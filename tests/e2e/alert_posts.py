"""Posting to the alert endpoints as Alertmanager, Grafana or an events client does, over HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from bot.sandbox import SANDBOX_PACE_SECONDS, Sandbox
from bot.storage.tables import AlertGroupRow, AlertMemberRow, AlertRow
from slack_emulator import SlackEmulator
from tests.alert_samples import AM_SECRET, GRAFANA_SECRET, TOKENS_SETTING, raw

ALERT_SETTINGS = {"INCIDENT_ALERT_TOKENS": TOKENS_SETTING}
# What Alertmanager 0.25.0 sent with every notification (research/alertmanager-capture).
ALERTMANAGER_HEADERS = {"User-Agent": "Alertmanager/0.25.0", "Content-Type": "application/json"}


@dataclass(frozen=True)
class Answered:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def post(url: str, path: str, body: bytes, headers: dict[str, str] | None = None) -> Answered:
    request = urllib.request.Request(f"{url}{path}", data=body, method="POST", headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
            return Answered(answer.status, json.loads(answer.read()), dict(answer.headers))
    except urllib.error.HTTPError as refused:
        return Answered(refused.code, json.loads(refused.read()), dict(refused.headers))


def from_alertmanager(url: str, name: str, *, secret: str = AM_SECRET, body: bytes | None = None) -> Answered:
    """A notification as Alertmanager posts it, with `http_config.authorization` set."""
    headers = {**ALERTMANAGER_HEADERS, "Authorization": f"Bearer {secret}"}
    return post(url, "/alerts/alertmanager", raw(name) if body is None else body, headers)


def from_grafana(url: str, body: bytes, *, secret: str = GRAFANA_SECRET) -> Answered:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {secret}"}
    return post(url, "/alerts/grafana", body, headers)


def enqueue(url: str, event: dict[str, Any]) -> Answered:
    return post(url, "/alerts/v2/enqueue", json.dumps(event).encode(), {"Content-Type": "application/json"})


def stored(stack: Sandbox) -> tuple[int, int, int]:
    """How many groups, alerts and memberships are stored."""
    with stack.runtime.db.read() as session:
        return tuple(  # type: ignore[return-value]
            int(session.execute(select(func.count()).select_from(table)).scalar_one())
            for table in (AlertGroupRow, AlertRow, AlertMemberRow)
        )


def alerting_stack(
    make_stack: Callable[..., Sandbox], *, pace_seconds: float = SANDBOX_PACE_SECONDS, **settings: str
) -> Sandbox:
    """A bot taking alerts (the tests' tokens) with its INCIDENT_ALERT_CHANNEL, `#alerts`, where
    alice, bob and gina (a guest) are; `settings` adds to or replaces the bot's settings;
    `pace_seconds`: a channel's pace (the sandbox's unless given)."""
    emulator = SlackEmulator()
    channel = emulator.create_channel("alerts", members=["alice", "bob", "gina"])
    settings = {**ALERT_SETTINGS, "INCIDENT_ALERT_CHANNEL": channel, **settings}
    return make_stack(emulator=emulator, settings=settings, pace_seconds=pace_seconds)
