"""Alertmanager's webhook (payload `version` "4") and Grafana's webhook contact point (`version`
"1", the same shape and more), read into one `Notification` (bot.domain.alerts).

    {"version": "4", "groupKey": "{}:{alertname=\\"HighErrorRate\\", service=\\"web\\"}",
     "status": "firing", "receiver": "incident-bot", "truncatedAlerts": 0,
     "groupLabels": {...}, "commonLabels": {...}, "commonAnnotations": {...},
     "externalURL": "http://alertmanager:9093",
     "alerts": [{"status": "firing", "labels": {...}, "annotations": {...},
                 "startsAt": "2026-12-06T19:26:36.275178751Z", "endsAt": "0001-01-01T00:00:00Z",
                 "generatorURL": "http://prometheus/graph?...", "fingerprint": "d3f9537e8716c34e"}]}

Required: `groupKey`, and per alert `status` (firing or resolved), `labels` and `fingerprint`.
Anything else is optional; keys this version does not know (`notification_reason`, `routeLabels`,
Grafana's `values`, `valueString`, `orgId`, ...) are ignored. A firing alert's `endsAt` is Go's
zero time: no end. Grafana adds per alert `silenceURL`, `dashboardURL`, `panelURL` and
`imageURL`; for Alertmanager the silence link is made from the alert's labels, as its own UI
writes a new silence's filter.
"""

from __future__ import annotations

from urllib.parse import quote

from bot.domain.alerts import Alert, AlertLink, AlertStatus, Notification, Source
from bot.reading import JsonObject, Malformed

VERSIONS = {Source.ALERTMANAGER: "4", Source.GRAFANA: "1"}
KEY_MAX = 255  # a fingerprint is 16 hex digits; anything much longer is not one
_OTHER = {Source.ALERTMANAGER: Source.GRAFANA, Source.GRAFANA: Source.ALERTMANAGER}


def read_webhook(body: object, *, source: Source, sender: str) -> Notification:
    """The notification in `body` (parsed JSON); raises `Malformed` naming the field at fault."""
    root = JsonObject(body)
    version = root.maybe_text("version")
    if version is not None and version != VERSIONS[source]:
        other = _OTHER[source]
        hint = f": that is {other.shown}'s payload, send it to /alerts/{other}" if version == VERSIONS[other] else ""
        raise Malformed("version", f"is {version!r}, {source.shown} sends {VERSIONS[source]!r}{hint}")
    group_key = root.text("groupKey")
    external_url = _url(root.maybe_text("externalURL"))
    alerts: dict[str, Alert] = {}
    for item in root.objects("alerts", required=True):
        alert = _alert(item, source=source, external_url=external_url)
        alerts[alert.key] = alert  # the same fingerprint twice: the last one says it
    return Notification(
        source=source,
        sender=sender,
        group_key=group_key,
        alerts=tuple(alerts.values()),
        group_labels=root.labels("groupLabels"),
        common_labels=root.labels("commonLabels"),
        common_annotations=root.labels("commonAnnotations"),
        external_url=external_url,
        truncated=root.number("truncatedAlerts"),
    )


def _alert(item: JsonObject, *, source: Source, external_url: str) -> Alert:
    status = item.text("status")
    if status not in set(AlertStatus):
        raise Malformed(item.at("status"), f"must be firing or resolved, not {status[:40]!r}")
    labels = item.value.get("labels")
    if labels is None:
        raise Malformed(item.at("labels"), "is missing")
    named = item.labels("labels")
    links = [
        ("Source", item.maybe_text("generatorURL")),
        ("Dashboard", item.maybe_text("dashboardURL")),
        ("Panel", item.maybe_text("panelURL")),
        ("Image", item.maybe_text("imageURL")),
        ("Silence", item.maybe_text("silenceURL") if source is Source.GRAFANA else _silence(external_url, named)),
    ]
    return Alert(
        key=item.text("fingerprint", limit=KEY_MAX),
        status=AlertStatus(status),
        labels=named,
        annotations=item.labels("annotations"),
        starts_at=item.time("startsAt"),
        ends_at=item.time("endsAt") if status == AlertStatus.RESOLVED else None,
        links=tuple(AlertLink(label, url) for label, written in links if (url := _url(written))),
    )


def _url(written: str | None) -> str:
    """A link worth showing: http(s) only, else ""."""
    return written if written and written.startswith(("https://", "http://")) and len(written) <= 2000 else ""


def _silence(external_url: str, labels: dict[str, str]) -> str:
    """Alertmanager's page for a new silence of exactly this alert (its UI's own filter syntax)."""
    if not external_url or not labels:
        return ""
    matchers = ", ".join(f'{name}="{_quoted(value)}"' for name, value in sorted(labels.items()))
    return f"{external_url.rstrip('/')}/#/silences/new?filter={quote('{' + matchers + '}', safe='')}"


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
