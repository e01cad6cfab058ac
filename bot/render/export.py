"""The retrospective's record as JSON-ready data (`incident-bot export --format json`, following
`docs/export.schema.json`): times in ISO 8601 UTC, durations in seconds, people's text in plain
words (`markup.for_public`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain import markup
from bot.domain.impacts import read_impact_entry
from bot.domain.incident import EntryKind, TimelineEntry, format_name
from bot.domain.retro import Record


def as_data(record: Record) -> dict[str, object]:
    """The same record as JSON-ready data (`docs/export.schema.json`): times in ISO 8601 UTC,
    durations in seconds, people's text in plain words (`markup.for_public`)."""
    incident, names = record.incident, record.names

    def text(value: str) -> str:
        return markup.for_public(value, names)

    def person(user_id: str | None) -> dict[str, str] | None:
        return None if user_id is None else {"id": user_id, "name": names.get(user_id) or markup.SOMEONE}

    measured = record.durations
    return {
        "incident": incident.name,
        "draft": record.is_draft,
        "title": text(incident.title),
        "severity": incident.severity,
        "status": incident.status.value,
        "security_assessment": incident.attack.value,
        "impact": text(incident.impact),
        "impact_started_at": _iso(incident.impact_started_at),
        "opened_at": _iso(incident.opened_at),
        "resolved_at": _iso(incident.resolved_at) if incident.resolved_at else None,
        "roles": {"lead": person(incident.lead), "comms": person(incident.comms), "scribe": person(incident.scribe)},
        "durations": {
            "total_seconds": measured.total.total_seconds(),
            "identify_seconds": _seconds(measured.to_identify),
            "mitigate_seconds": _seconds(measured.to_mitigate),
            "detection_lag_seconds": _seconds(measured.detection_lag),
            "in_status_seconds": {status.value: spent.total_seconds() for status, spent in measured.in_status.items()},
        },
        "timeline": [
            {
                "at": _iso(entry.at),
                "recorded_at": _iso(entry.recorded_at),
                "by": person(entry.actor),
                "kind": entry.kind.value,
                "text": text(entry.text),
                "status_from": entry.status_from.value if entry.status_from else None,
                "status_to": entry.status_to.value if entry.status_to else None,
            }
            | _impact_language(entry, text)
            for entry in record.entries
        ],
        "published_updates": [
            {
                "at": _iso(update.at),
                "by": person(update.by),
                "language": update.language,
                "length": update.length,
                "status": update.status.value,
                "text": update.text,
            }
            for update in record.updates
        ],
        "update_promises": record.promises or None,
        "related": [
            {
                "incident": format_name(other.number),
                "title": text(other.title),
                "impact_started_at": _iso(other.impact_started_at),
                "total_seconds": _seconds(other.total),
            }
            for other in record.related
        ],
        "follow_ups": [
            {
                "id": follow_up.id,
                "text": text(follow_up.text),
                "owner": person(follow_up.owner),
                "due": follow_up.due.isoformat() if follow_up.due else None,
                "done_at": _iso(follow_up.done_at) if follow_up.done_at else None,
            }
            for follow_up in record.follow_ups
        ],
        "alerts": [
            {
                "name": alert.name,
                "labels": dict(alert.labels),
                "source": alert.source,
                "first_fired_at": _iso(alert.first_fired_at) if alert.first_fired_at else None,
                "resolved_at": _iso(alert.resolved_at) if alert.resolved_at else None,
                "acknowledged_at": _iso(alert.acknowledged_at) if alert.acknowledged_at else None,
            }
            for alert in record.alerts
        ],
        "pages": [
            {
                "person": person(page.user_id),
                "for": {
                    "kind": page.request.target.kind.value,
                    "id": page.request.target.ref,
                    "name": page.request.target.label,
                },
                "why": page.via.value,
                "paged_by": person(page.request.paged_by),
                "paged_at": _iso(page.created_at),
                "sent_at": _iso(page.sent_at) if page.sent_at else None,
                "answer": page.state.value,
                "answered_at": _iso(page.answered_at) if page.answered_at else None,
                "acknowledged_by": person(page.request.acknowledged_by),
                "acknowledged_at": _iso(page.request.acknowledged_at) if page.request.acknowledged_at else None,
                "escalated_at": _iso(page.request.escalated_at) if page.request.escalated_at else None,
            }
            for page in record.pages
        ],
        "retrospective": {"state": record.retro_state.value, "note": text(record.retro_note)},
    }


def _impact_language(entry: TimelineEntry, text: Callable[[str], str]) -> dict[str, object]:
    """An impact entry's language apart from its text (`{"language": "fr", "text": ...}`)."""
    if entry.kind is not EntryKind.IMPACT:
        return {}
    code, said = read_impact_entry(entry)
    return {"language": code, "text": text(said)} if code else {}


def _iso(value: datetime) -> str:
    return value.astimezone(ZoneInfo("UTC")).isoformat().replace("+00:00", "Z")


def _seconds(value: timedelta | None) -> float | None:
    return value.total_seconds() if value is not None else None
