"""The retrospective document: an incident's record (`bot.domain.retro.Record`) as Markdown.

Built from what was stored, never from memory: the summary, impact, roles, the timeline with
times in the configured zone and in UTC, the alerts attached (first fired, resolved,
acknowledged), everyone paged (sent, answered, escalated), the durations, every published update
with its time and author, the update promises, related incidents and follow-ups, then empty
sections for people to write. People's text is rendered from Slack's markup (`bot.render.markdown`):
links stay links, people show by name, and everything else is escaped so the document renders as
the words that were typed (a title `<script>` reads as `<script>`, not as HTML).

An incident still open gets a document marked as a draft.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.durations import short
from bot.domain.incident import TimelineEntry, format_name
from bot.domain.paging import PageState
from bot.domain.retro import Record
from bot.render.durations import DETECTION_LAG, IN_EACH_STATUS, headline, phases
from bot.render.markdown import both_times, escape, line_start, link, name_of, rich
from bot.render.timeline import Linked, Person, Piece, Stressed, Typed, said, words

WRITE_HERE = "_To be written by the team._"


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
        ("Alerts", _alerts(record)),
        ("Pages", _pages(record)),
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
        ("Retrospective", record.retro_state.value + (f": {rich(note, names)}" if (note := record.retro_note) else "")),
    ]
    return ["| | |", "|---|---|", *(f"| {label} | {value} |" for label, value in rows)]


def _durations(record: Record) -> list[str]:
    measured = record.durations
    lines = [f"- {label.capitalize()}: {short(length)}" for label, length in headline(measured)]
    if record.is_draft:
        lines[0] += " so far"
    if spent := phases(measured):
        lines.append(f"- {IN_EACH_STATUS.capitalize()}: {spent}")
    if measured.detection_lag is not None:
        lines.append(f"- {DETECTION_LAG.capitalize()}: {short(measured.detection_lag)}")
    return lines


def _entry(entry: TimelineEntry, record: Record) -> str:
    """`**2022-02-17 22:06 IST (16:36 UTC)** bob: set the status to identified: ...`: what the
    Slack line says (`bot.render.timeline.said`), in Markdown; the bot's own record names nobody."""
    description = said(entry, record.incident, record.zone)

    def piece(part: Piece) -> str:
        match part:
            case Typed(text):
                return rich(text, record.names)
            case Person(user_id):
                return name_of(user_id, record.names)
            case Stressed(word):
                return escape(word)
            case Linked(label, url):
                return link(label, url)
            case str():
                return escape(part)

    who = f"{name_of(description.who, record.names)}: " if description.who is not None else ""
    return f"**{both_times(entry.at, record.zone)}** {who}{words(description, piece)}"


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


def _alerts(record: Record) -> list[str]:
    """The alerts attached: when each first fired, resolved and was acknowledged, in both zones."""
    if not record.alerts:
        return ["_No alerts were attached._"]

    def when(moment: datetime | None, missing: str) -> str:
        return both_times(moment, record.zone) if moment is not None else missing

    lines = ["| alert | source | first fired | resolved | acknowledged |", "|---|---|---|---|---|"]
    for alert in record.alerts:
        labels = ", ".join(escape(f"{name}={value}") for name, value in sorted(alert.labels.items()))
        name = escape(alert.name) + (f" ({labels})" if labels else "")
        fired = when(alert.first_fired_at, "unknown")
        lines.append(
            f"| {name} | {escape(alert.source)} | {fired} | {when(alert.resolved_at, 'still firing')} "
            f"| {when(alert.acknowledged_at, 'no')} |"
        )
    return lines


def _pages(record: Record) -> list[str]:
    """Everyone paged: for what and why, when their message went, how they answered and when, and
    when the request they were paged for escalated."""
    if not record.pages:
        return ["_Nobody was paged._"]

    def when(moment: datetime | None, missing: str) -> str:
        return both_times(moment, record.zone) if moment is not None else missing

    lines = ["| paged | for | paged by | sent | answer | escalated |", "|---|---|---|---|---|---|"]
    for page in record.pages:
        request = page.request
        answered = when(page.answered_at, "")
        answer = {
            PageState.ACKNOWLEDGED: f"acknowledged {answered}",
            PageState.DECLINED: f"can't take it, {answered}",
            PageState.TAKEN: f"taken by {name_of(request.acknowledged_by, record.names)}, {answered}",
            PageState.REPLACED: f"paged again {answered}",
            PageState.ENDED: f"no answer, ended when the incident was resolved {answered}",
        }.get(page.state, "no answer")
        target = ", ".join(name_of(person, record.names) for person in request.target.people)
        why = escape(" ".join(part for part in (request.target.label or target, f"({page.via.value})") if part))
        lines.append(
            f"| {name_of(page.user_id, record.names)} | {why} | {name_of(request.paged_by, record.names)} "
            f"| {when(page.sent_at, 'not sent')} | {answer} | {when(request.escalated_at, '')} |"
        )
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
