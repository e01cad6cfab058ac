"""The PagerDuty Events API v2 request (`POST /v2/enqueue`), read into one `Notification`.

    {"routing_key": "<a token's secret>", "event_action": "trigger", "dedup_key": "srv01/mysql",
     "payload": {"summary": "DISK at 99% on machine prod-datapipe03.example.com",
                 "source": "prod-datapipe03.example.com", "severity": "critical",
                 "timestamp": "2015-07-17T08:42:58.315+0000", "component": "mysql",
                 "group": "prod-datapipe", "class": "disk", "custom_details": {...}},
     "client": "Sample Monitoring Service", "client_url": "https://monitoring.service.com",
     "links": [{"href": "...", "text": "..."}], "images": [{"src": "...", "href": "...", "alt": "..."}]}

As PagerDuty reads it: `routing_key` and `event_action` (trigger, acknowledge, resolve) are
required; a trigger needs `payload.summary` (at most 1,024 characters), `payload.source` and
`payload.severity` (critical, error, warning or info); acknowledge and resolve need the
`dedup_key` (at most 255 characters) of a triggered alert and change nothing otherwise. A trigger
without a `dedup_key` is a new alert, under a key made here and given back in the answer. Each
dedup key is one alert in a group of its own; `severity`, `source`, `component`, `group` and
`class` are its labels (what rules match), `summary` its annotation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.alerts import Alert, AlertLink, AlertStatus, Notification, Source
from bot.intake.alertmanager import KEY_MAX

ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "error", "warning", "info")
SUMMARY_MAX = 1024
LABELS = ("severity", "source", "component", "group", "class")


class InvalidEvent(ValueError):
    """The event cannot be read: `errors` says why, one line per field, as PagerDuty answers."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Event:
    action: str
    dedup_key: str  # the one given, or the one made for a trigger without any
    notification: Notification


def routing_key(body: object) -> str:
    """The secret an event is sent with ("" when there is none to read)."""
    found = body.get("routing_key") if isinstance(body, dict) else None
    return found if isinstance(found, str) else ""


def read_event(body: object, *, sender: str, new_key: Callable[[], str]) -> Event:
    """The event in `body` (parsed JSON, its routing key accepted already); raises `InvalidEvent`."""
    if not isinstance(body, dict):
        raise InvalidEvent(["the event must be a JSON object"])
    errors: list[str] = []
    action = body.get("event_action")
    if action not in ACTIONS:
        errors.append(f"'event_action' must be one of {', '.join(ACTIONS)}")
    dedup_key = body.get("dedup_key")
    if dedup_key is not None and (not isinstance(dedup_key, str) or not dedup_key or len(dedup_key) > KEY_MAX):
        errors.append(f"'dedup_key' must be a non-empty string of at most {KEY_MAX} characters")
    elif dedup_key is None and action in ("acknowledge", "resolve"):
        errors.append(f"'dedup_key' is required to {action}")
    payload = body.get("payload")
    if action == "trigger":
        errors += _payload_errors(payload)
    errors += _context_errors(body)
    if errors:
        raise InvalidEvent(errors)
    key = dedup_key if isinstance(dedup_key, str) else new_key()
    if action == "trigger":
        assert isinstance(payload, dict)
        alert = _triggered(key, body, payload)
    else:
        status = AlertStatus.RESOLVED if action == "resolve" else AlertStatus.FIRING
        alert = Alert(key, status, acknowledged=action == "acknowledge", described=False, ordered=False)
    notification = Notification(
        source=Source.EVENTS,
        sender=sender,
        group_key=key,
        alerts=(alert,),
        common_labels=alert.labels,
        common_annotations=alert.annotations,
    )
    return Event(action=str(action), dedup_key=key, notification=notification)


def _payload_errors(payload: object) -> list[str]:
    if not isinstance(payload, dict):
        return ["'payload' is required to trigger, as an object"]
    errors = []
    summary = payload.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        errors.append("'payload.summary' is required")
    elif len(summary) > SUMMARY_MAX:
        errors.append(f"'payload.summary' is longer than {SUMMARY_MAX} characters")
    source = payload.get("source")
    if not isinstance(source, str) or not source.strip():
        errors.append("'payload.source' is required")
    if payload.get("severity") not in SEVERITIES:
        errors.append(f"'payload.severity' must be one of {', '.join(SEVERITIES)}")
    for name in ("component", "group", "class"):
        if payload.get(name) is not None and not isinstance(payload[name], str):
            errors.append(f"'payload.{name}' must be a string")
    timestamp = payload.get("timestamp")
    if timestamp is not None and _time(timestamp) is None:
        errors.append("'payload.timestamp' must be an ISO 8601 time with its offset")
    return errors


def _context_errors(body: dict[str, Any]) -> list[str]:
    errors = []
    for name, required in (("links", "href"), ("images", "src")):
        items = body.get(name)
        if items is None:
            continue
        if not isinstance(items, list) or not all(
            isinstance(item, dict) and isinstance(item.get(required), str) for item in items
        ):
            errors.append(f"'{name}' must be a list of objects, each with a '{required}'")
    for name in ("client", "client_url"):
        if body.get(name) is not None and not isinstance(body[name], str):
            errors.append(f"'{name}' must be a string")
    return errors


def _time(written: object) -> datetime | None:
    if not isinstance(written, str):
        return None
    try:
        moment = datetime.fromisoformat(written)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None and moment.utcoffset() is not None else None


def _triggered(key: str, body: dict[str, Any], payload: dict[str, Any]) -> Alert:
    labels = {name: " ".join(str(payload[name]).split()) for name in LABELS if payload.get(name)}
    links = [(body.get("client") or "Source", body.get("client_url"))]
    links += [(item.get("text") or "Link", item.get("href")) for item in body.get("links") or []]
    links += [(item.get("alt") or "Image", item.get("href") or item.get("src")) for item in body.get("images") or []]
    return Alert(
        key=key,
        status=AlertStatus.FIRING,
        labels=labels,
        annotations={"summary": " ".join(str(payload["summary"]).split())},
        starts_at=_time(payload.get("timestamp")),
        ordered=False,
        links=tuple(
            AlertLink(str(label)[:80], url)
            for label, url in links
            if isinstance(url, str) and url.startswith(("https://", "http://")) and len(url) <= 2000
        ),
    )
