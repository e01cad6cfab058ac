"""The retrospective document: an incident's record as Markdown (and as data for JSON).

Built from what was stored, never from memory: the summary, impact, roles, the timeline with
times in the configured zone and in UTC, the durations, every published update with its time
and author, the update promises, related incidents and follow-ups, then empty sections for
people to write. People's text is rendered from Slack's markup (`bot.domain.markup`): links
stay links, people show by name, and everything else is escaped so the document renders as
the words that were typed (a title `<script>` reads as `<script>`, not as HTML).

An incident still open gets a document marked as a draft.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain import markup
from bot.domain.durations import Durations, short
from bot.domain.impacts import read_impact_entry
from bot.domain.incident import EntryKind, Incident, Status, TimelineEntry, format_name
from bot.domain.language import load_language
from bot.domain.reminders import promise_words, reminder_words
from bot.domain.roles import ROLE_TITLES, read_entry

WRITE_HERE = "_To be written by the team._"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
_BLOCK_START = re.compile(r"^(\d+)?(?=[-+#>=.)])")


class RetroState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    WAIVED = "waived"


@dataclass(frozen=True)
class UpdateOnRecord:
    at: datetime
    by: str  # Slack user id
    language: str
    length: str
    status: Status
    text: str  # as published: plain words


@dataclass(frozen=True)
class RelatedIncident:
    number: int
    title: str
    impact_started_at: datetime
    total: timedelta | None  # None while open


@dataclass(frozen=True)
class FollowUp:
    id: int
    text: str
    owner: str | None
    due: date | None
    done_at: datetime | None


@dataclass(frozen=True)
class Record:
    """Everything the document says, read from storage in one go."""

    incident: Incident
    entries: Sequence[TimelineEntry]
    durations: Durations
    names: Mapping[str, str]
    zone: ZoneInfo
    updates: Sequence[UpdateOnRecord] = ()
    related: Sequence[RelatedIncident] = ()
    follow_ups: Sequence[FollowUp] = ()
    promises: str = ""  # the promise record's summary line, when reminders kept one
    retro_state: RetroState = RetroState.PENDING
    retro_note: str = ""

    @property
    def is_draft(self) -> bool:
        return self.incident.status.is_open


def escape(text: str) -> str:
    """Plain text that CommonMark shows as typed, on one line: characters with a meaning inside
    a line are escaped (`-`, `#`, `1.` only mean something at a line's start: see `line_start`)."""
    flat = re.sub(r"\s+", " ", text)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)


def line_start(escaped: str) -> str:
    """Escaped text that starts a line (a quote's body): a leading `-`, `#` or `1.` stays text."""
    return _BLOCK_START.sub(lambda found: (found.group(1) or "") + "\\", escaped.strip(), count=1)


def rich(text: str, names: Mapping[str, str]) -> str:
    """People's text (Slack markup) as Markdown: links clickable, people by name, the rest escaped."""
    parts = []
    for piece in markup.parse(text):
        match piece:
            case markup.Link(url, label) if url.startswith(markup.LINK_SCHEMES):
                shown = escape(label or url)
                parts.append(f"[{shown}](<{url.replace('<', '%3C').replace('>', '%3E').replace(' ', '%20')}>)")
            case markup.Emoji(code):
                parts.append(escape(f":{code}:"))
            case markup.Special(name):
                parts.append(escape(f"@{name}"))
            case markup.Plain(plain):
                parts.append(escape(plain))
            case _:
                parts.append(escape(markup.for_public(markup.source([piece]), names)))
    return " ".join("".join(parts).split())


def name_of(user_id: str | None, names: Mapping[str, str]) -> str:
    if user_id is None:
        return "none"
    return escape(names.get(user_id) or markup.SOMEONE)


def both_times(value: datetime, zone: ZoneInfo) -> str:
    """`2022-02-17 21:41 IST (16:11 UTC)`."""
    local = value.astimezone(zone)
    utc = value.astimezone(ZoneInfo("UTC"))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({utc:%H:%M} UTC)"


def markdown(record: Record) -> str:
    """The whole document."""
    incident, names = record.incident, record.names
    title = f"# {incident.name}: {rich(incident.title, names)}"
    head = [title, ""]
    if record.is_draft:
        head += ["> **Draft:** the incident is still open; this document will change.", ""]
    sections = [
        ("Summary", _summary(record)),
        ("Impact", [line_start(rich(incident.impact, names)) if incident.impact else "_Not recorded._"]),
        ("Durations", _durations(record)),
        ("Timeline", [f"- {_entry(entry, record)}" for entry in record.entries]),
        ("Public updates", _updates(record)),
        ("Update promises", [escape(record.promises)] if record.promises else ["_No update promises recorded._"]),
        ("Related incidents", _related(record)),
        ("Follow-ups", _follow_ups(record)),
        ("Causes", [WRITE_HERE]),
        ("What went well", [WRITE_HERE]),
        ("What to change", [WRITE_HERE]),
    ]
    body = []
    for heading, lines in sections:
        body += [f"## {heading}", "", *lines, ""]
    return "\n".join(head + body).rstrip() + "\n"


def _summary(record: Record) -> list[str]:
    incident, names, zone = record.incident, record.names, record.zone
    rows = [
        ("Severity", f"sev{incident.severity}"),
        ("Status", incident.status.value),
        ("Impact began", both_times(incident.impact_started_at, zone)),
        ("Opened", both_times(incident.opened_at, zone)),
        ("Resolved", both_times(incident.resolved_at, zone) if incident.resolved_at else "not yet"),
        ("Lead", name_of(incident.lead, names)),
        ("Comms", name_of(incident.comms, names)),
        ("Scribe", name_of(incident.scribe, names)),
        ("Security assessment", incident.attack.value),
        ("Retrospective", record.retro_state.value + (f": {escape(record.retro_note)}" if record.retro_note else "")),
    ]
    return ["| | |", "|---|---|", *(f"| {label} | {value} |" for label, value in rows)]


def _durations(record: Record) -> list[str]:
    measured = record.durations
    lines = [f"- Total: {short(measured.total)}" + (" so far" if record.is_draft else "")]
    if measured.to_identify is not None:
        lines.append(f"- Time to identify: {short(measured.to_identify)}")
    if measured.to_mitigate is not None:
        lines.append(f"- Time to mitigate: {short(measured.to_mitigate)}")
    for status, spent in measured.in_status.items():
        if spent.total_seconds() > 0:
            lines.append(f"- In {status.value}: {short(spent)}")
    if measured.detection_lag is not None:
        lines.append(f"- Detection lag: {short(measured.detection_lag)}")
    return lines


def _entry(entry: TimelineEntry, record: Record) -> str:
    if entry.kind is EntryKind.RELATED and entry.source:  # the recurrence check's finding: no one's act
        return f"**{both_times(entry.at, record.zone)}** {rich(entry.text, record.names)}"
    if entry.kind is EntryKind.PROMISE:  # the bot's own record of a promise kept or missed
        return f"**{both_times(entry.at, record.zone)}** {escape(promise_words(entry, record.zone))}"
    who = name_of(entry.actor, record.names)
    return f"**{both_times(entry.at, record.zone)}** {who}: {_what(entry, record)}"


def _what(entry: TimelineEntry, record: Record) -> str:
    text = rich(entry.text, record.names)
    incident = record.incident
    to = entry.status_to
    match entry.kind:
        case EntryKind.OPENED:
            return f"opened {incident.name}: {rich(incident.title, record.names)}"
        case EntryKind.STATUS if to is not None and to is entry.status_from:
            return f"posted an update ({to.value}): {text}"
        case EntryKind.STATUS if to is not None:
            return f"set the status to {to.value}" + (f": {text}" if text else "")
        case EntryKind.REOPENED:
            return f"reopened {incident.name}" + (f": {text}" if text else "")
        case EntryKind.LEAD | EntryKind.ROLE:
            role, person = read_entry(entry)
            if person is None:
                return f"cleared the {role.value} role"
            return f"made {name_of(person, record.names)} the {ROLE_TITLES[role]}"
        case EntryKind.IMPACT:
            code, said = read_impact_entry(entry)
            language = f" ({load_language(code).name})" if code else ""
            return f"set the customer impact{language}: {rich(said, record.names)}"
        case EntryKind.PUBLIC_TITLE:
            return f"set the public title (status page and feeds): {text}"
        case EntryKind.VISIBILITY:  # "private" or "public" (bot.domain.visibility)
            return f"made the incident {text}"
        case EntryKind.SNOOZED | EntryKind.NO_UPDATE:
            return escape(reminder_words(entry, record.zone))
        case EntryKind.NOTE | EntryKind.MESSAGE:
            return text
        case EntryKind.SEVERITY:
            return f"changed the severity: {text}"
        case EntryKind.ATTACK:
            return f"changed the security assessment: {text}"
        case EntryKind.PUBLISHED:
            return f"published the {text}"
        case EntryKind.CORRECTED:
            return f"corrected the published {text}"
        case EntryKind.DRAFT:
            return f"drafted public updates: {text}"
        case _:
            return text


def _updates(record: Record) -> list[str]:
    if not record.updates:
        return ["_Nothing was published._"]
    lines = []
    for update in record.updates:
        by = name_of(update.by, record.names)
        lines += [
            f"### {both_times(update.at, record.zone)}, {update.status.value}, {update.language}, {update.length}",
            "",
            f"Published by {by}.",
            "",
            f"> {line_start(escape(update.text))}",
            "",
        ]
    return lines[:-1]


def _related(record: Record) -> list[str]:
    if not record.related:
        return ["_None linked._"]
    lines = []
    for other in record.related:
        lasted = short(other.total) if other.total is not None else "still open"
        started = other.impact_started_at.astimezone(record.zone)
        lines.append(f"- {format_name(other.number)} {rich(other.title, record.names)} ({started:%Y-%m-%d}, {lasted})")
    return lines


def _follow_ups(record: Record) -> list[str]:
    if not record.follow_ups:
        return ["_None yet._"]
    lines = []
    for follow_up in record.follow_ups:
        box = "x" if follow_up.done_at is not None else " "
        details = [f"owner {name_of(follow_up.owner, record.names)}" if follow_up.owner else "no owner"]
        if follow_up.due is not None:
            details.append(f"due {follow_up.due.isoformat()}")
        lines.append(f"- [{box}] #{follow_up.id} {rich(follow_up.text, record.names)} ({', '.join(details)})")
    return lines


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
        "retrospective": {"state": record.retro_state.value, "note": record.retro_note},
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
