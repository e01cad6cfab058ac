"""Statuspage's public API v2 shapes (summary, status, incidents, unresolved), field by field.

Readers and aggregators written for Atlassian Statuspage read these unchanged: the same field
names, ISO 8601 UTC times with milliseconds, `status.indicator` none/minor/major/critical (the
worst impact of the incidents the public reads as open; impact from severity), incident
`status` investigating/identified/monitoring/resolved. Components are not modelled: `[]`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.domain.incident import Status
from bot.domain.public import PublicImpact, incident_id, public_id, update_id
from bot.status_page.views import PublicIncident

DESCRIPTIONS = {  # Statuspage's own words for each indicator
    PublicImpact.NONE: "All Systems Operational",
    PublicImpact.MINOR: "Minor Service Outage",
    PublicImpact.MAJOR: "Partial System Outage",
    PublicImpact.CRITICAL: "Major Service Outage",
}

Json = dict[str, Any]


def timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def page_id(namespace: str) -> str:
    return public_id(namespace, "page").hex[:12]


def page(*, namespace: str, name: str, url: str, zone: str, updated: datetime | None) -> Json:
    return {"id": page_id(namespace), "name": name, "url": url, "time_zone": zone, "updated_at": timestamp(updated)}


def status(indicator: PublicImpact) -> Json:
    return {"indicator": indicator.value, "description": DESCRIPTIONS[indicator]}


def incident(view: PublicIncident, *, namespace: str, page_url: str) -> Json:
    listed = view.listed
    key = incident_id(namespace, listed).hex[:12]
    updates: list[Json] = [
        {
            "id": update_id(namespace, listed, update.key).hex[:12],
            "status": update.key.status.value,
            "body": update.text,
            "incident_id": key,
            "created_at": timestamp(update.key.published_at),
            "updated_at": timestamp(update.key.changed_at),
            "display_at": timestamp(update.key.published_at),
            "affected_components": [],
            "deliver_notifications": True,
            "custom_tweet": None,
            "tweet_id": None,
        }
        for update in view.updates
    ]
    monitoring = [u.key.published_at for u in view.updates if u.key.status is Status.MONITORING]
    return {
        "id": key,
        "name": view.name,
        "status": view.status.value,
        "created_at": timestamp(listed.listed_at),
        "updated_at": timestamp(listed.changed_at),
        "monitoring_at": timestamp(min(monitoring)) if monitoring else None,
        "resolved_at": timestamp(listed.resolved_at) if not view.status.is_open else None,
        "impact": view.impact.value,
        "shortlink": f"{page_url}#{view.anchor}",
        "started_at": timestamp(listed.started_at),
        "page_id": page_id(namespace),
        "incident_updates": updates,
        "components": [],
    }
