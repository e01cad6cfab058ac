"""Pure Block Kit builders: the card, the topic, replies and lists (the open modal: `open_modal`).

Every builder renders the user text it shows with `markup.for_slack` (escaped, links clickable,
names without pings); nothing here calls Slack or reads storage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.affects import ComponentImpact
from bot.domain.alerts import Counts, is_source
from bot.domain.catalog import Catalog
from bot.domain.durations import Durations, short
from bot.domain.incident import STATUS_ORDER, Attack, Incident, Status, TimelineEntry, format_name
from bot.domain.markup import SOMEONE, escape, for_public, for_slack, shorten
from bot.domain.paging import PageRequest
from bot.domain.retro import FollowUp, RelatedIncident
from bot.domain.roles import Role, holder
from bot.domain.timefmt import day_and_time, incident_time
from bot.render import actions, paging
from bot.render.affected import affected_lines
from bot.render.durations import TOTAL
from bot.render.lines import duration_lines, timeline_lines
from bot.render.text import (
    HEADER_LIMIT,
    TOPIC_LIMIT,
    escape_within,
    messages,
    section,
    sections,
)
from bot.render.timeline import STATUS_EMOJI

Block = dict[str, Any]
Message = dict[str, Any]

ATTACK_WORDS = {
    Attack.NOT_ASSESSED: ":grey_question: Not assessed yet: public drafts say nothing about security",
    Attack.NO_EVIDENCE: "No evidence of an attack",
    Attack.SUSPECTED: ":warning: Attack suspected: security must review public updates",
    Attack.CONFIRMED: ":rotating_light: Security incident confirmed",
    Attack.NOT_RELEVANT: "Not relevant: public drafts say nothing about security",
}
PRIVATE_NOTICE = (
    ":lock: *Private*: not announced, never on the status page or feeds, and `list` shows it only to its "
    "opener and role holders, or here. `/incident public` to change that."
)


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    element: Block = {"type": "button", "text": plain(text), "action_id": action_id, "value": value}
    if style:
        element["style"] = style
    return element


def name_of(user_id: str, names: Mapping[str, str]) -> str:
    """A person by name, never a mention or a raw id."""
    return escape(names.get(user_id) or SOMEONE)


def card(
    incident: Incident,
    names: Mapping[str, str],
    zone: ZoneInfo,
    *,
    total: str | None = None,
    related: Sequence[RelatedIncident] = (),
    follow_ups: Sequence[FollowUp] = (),
    impacts: Sequence[ComponentImpact] = (),
    catalog: Catalog | None = None,
    language: str = "en",
    pages: Sequence[PageRequest] = (),
    alerts: Counts | None = None,
) -> list[Block]:
    """The pinned summary: updated in place after every change. Related incidents are listed
    always, follow-ups once the incident is resolved; the catalog components it affects (named
    from `catalog` in `language`), whom it paged and the alerts attached to it, always. The
    impact's start has its date, every other time its own when on another day."""
    status = incident.status
    began = incident.impact_started_at

    def at(moment: datetime) -> str:  # the impact's start has its date; others theirs when not its day
        return incident_time(moment, zone, began=began, opened=incident.opened_at)

    fields = [
        f"*Status*\n{STATUS_EMOJI[status]} {status.value.capitalize()} since {at(incident.status_since)}",
        f"*Severity*\nsev{incident.severity}",
        *role_fields(incident, names),
        f"*Security*\n{ATTACK_WORDS[incident.attack]}",
        f"*Impact began*\n{day_and_time(began, zone)}",
        f"*Opened by*\n{name_of(incident.opened_by, names)} at {at(incident.opened_at)}",
    ]
    blocks: list[Block] = [
        {
            "type": "header",
            "text": plain(shorten(f"{incident.name}: {for_public(incident.title, names)}", HEADER_LIMIT)),
        },
        {"type": "section", "fields": [{"type": "mrkdwn", "text": field} for field in fields]},
    ]
    if incident.private:
        blocks.append(section(PRIVATE_NOTICE))
    if incident.impact:
        blocks.append(section(f"*Customer impact*\n{for_slack(incident.impact, names)}"))
    heading, affected = affected_lines(incident, impacts, catalog or Catalog(), zone, language)
    if affected:
        blocks.extend(sections(listing(heading, affected)))
    if paged := paging.card_lines(pages, names, at):
        blocks.extend(sections(listing("Paged", paged)))
    if alerts is not None:
        blocks.extend(alert_blocks(incident, alerts))
    if status is Status.RESOLVED and total is not None:
        blocks.append(section(f"*Resolved* after *{total}*"))
    if related:
        blocks.extend(sections(listing("Related incidents", [related_line(other, names, zone) for other in related])))
    if status is Status.RESOLVED and follow_ups:
        blocks.extend(sections(listing("Follow-ups", [follow_up_line(item, names) for item in follow_ups])))
    blocks.append({"type": "actions", "block_id": actions.CARD_BLOCK, "elements": card_buttons(incident)})
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "Change it with `/incident` here; `/incident help` for all."}],
        }
    )
    return blocks


def alert_blocks(incident: Incident, alerts: Counts) -> list[Block]:
    """How the alerts attached stand; once every one has resolved (the incident still open), that
    it is time to decide, with *Move to monitoring* and *Resolve*: nothing is resolved automatically."""
    firing, resolved = ":fire:", ":white_check_mark:"
    shown = [section(f"*Alerts* {firing} {alerts.firing} firing · {resolved} {alerts.resolved} resolved")]
    if alerts.firing or not alerts.total or not incident.status.is_open:
        return shown
    shown.append(
        section(
            f"{resolved} *Every alert attached has resolved* ({alerts.resolved} of {alerts.total}). Nothing is "
            "resolved automatically: move to monitoring, or resolve once you are sure."
        )
    )
    value = str(incident.number)
    decide = (
        []
        if incident.status is Status.MONITORING
        else [button("Move to monitoring", actions.status_action(Status.MONITORING), value, style="primary")]
    )
    decide.append(resolve_button(incident))
    return [*shown, {"type": "actions", "block_id": actions.ALERTS_RESOLVED_BLOCK, "elements": decide}]


def related_line(other: RelatedIncident, names: Mapping[str, str], zone: ZoneInfo) -> str:
    started = other.impact_started_at.astimezone(zone)
    lasted = short(other.total) if other.total is not None else "still open"
    return f"{format_name(other.number)} {for_slack(other.title, names)} ({started:%b} {started.day}, {lasted})"


def follow_up_line(item: FollowUp, names: Mapping[str, str]) -> str:
    mark = ":white_check_mark:" if item.done_at is not None else ":black_square_button:"
    details = [name_of(item.owner, names) if item.owner else "no owner"]
    if item.due is not None:
        details.append(f"due {item.due.isoformat()}")
    return f"{mark} #{item.id} {for_slack(item.text, names)} ({', '.join(details)})"


def listing(heading: str, lines: Sequence[str], limit: int = 10) -> list[str]:
    """`*heading*` and up to `limit` lines, then how many more: the card stays short."""
    shown = [f"*{heading}*", *lines[:limit]]
    if len(lines) > limit:
        shown.append(f"_and {len(lines) - limit} more_")
    return shown


def role_fields(incident: Incident, names: Mapping[str, str]) -> list[str]:
    """`*Lead*\nalice`, `*Comms*\nbob`, `*Scribe*\nnone`: every role, by name; the lead of an
    incident a rule declared is nobody until a person takes the lead."""
    return [
        f"*{role.value.capitalize()}*\n{_holder(person, names) if (person := holder(incident, role)) else 'none'}"
        for role in Role
    ]


def _holder(person: str, names: Mapping[str, str]) -> str:
    return f"nobody yet (opened by {name_of(person, names)})" if is_source(person) else name_of(person, names)


def card_buttons(incident: Incident) -> list[Block]:
    value = str(incident.number)
    lead: list[Block] = []
    if is_source(incident.lead):  # a rule declared it: until a person takes the lead
        lead = [button("Take the lead", actions.TAKE_LEAD, value, style="primary")]
    if incident.status is Status.RESOLVED:
        return [
            *lead,
            button("Draft update", actions.DRAFT, value),
            button("Reopen", actions.REOPEN, value),
        ]
    elements = lead + [
        button(status.value.capitalize(), actions.status_action(status), value)
        for status in STATUS_ORDER
        if status.is_open and status is not incident.status
    ]
    elements.append(button("Draft update", actions.DRAFT, value))
    elements.append(resolve_button(incident))
    return elements


def resolve_button(incident: Incident) -> Block:
    """*Resolve*, asking to confirm first."""
    close = button("Resolve", actions.CLOSE, str(incident.number), style="primary")
    close["confirm"] = {
        "title": plain("Resolve the incident?"),
        "text": {
            "type": "mrkdwn",
            "text": f"{incident.name} will be marked resolved and its durations reported.",
        },
        "confirm": plain("Resolve"),
        "deny": plain("Not yet"),
    }
    return close


def topic(incident: Incident, names: Mapping[str, str]) -> str:
    lead = (names.get(incident.lead) or SOMEONE) if incident.lead else "unassigned"
    if is_source(incident.lead):
        lead = "nobody yet"
    title = for_public(incident.title, names)  # a topic shows no links: plain words
    text = f"sev{incident.severity} · {incident.status.value} · lead: {lead} · {incident.name}: {title}"
    return escape_within(text, TOPIC_LIMIT)


def announcement(incident: Incident, channel_id: str | None, names: Mapping[str, str], *, total: str | None) -> str:
    where = f" in <#{channel_id}>" if channel_id else ""
    title = for_slack(incident.title, names)
    if incident.status is Status.RESOLVED:
        after = f" after {total}" if total else ""
        return f":white_check_mark: *{incident.name}* resolved{after}: {title}"
    lead = _holder(incident.lead, names)
    return f":rotating_light: *{incident.name}* (sev{incident.severity}) {title}. Lead: {lead}. Follow it{where}."


def reopened_announcement(incident: Incident, channel_id: str | None, names: Mapping[str, str]) -> str:
    where = f" in <#{channel_id}>" if channel_id else ""
    title = for_slack(incident.title, names)
    return f":leftwards_arrow_with_hook: *{incident.name}* reopened: {title}. Follow it{where}."


def channel_ready(incident: Incident, channel_id: str) -> str:
    return f"{incident.name} has its channel: <#{channel_id}>. You are in it and the summary card is pinned there."


def error_reply(message: str, usage: str = "") -> Message:
    text = f":warning: {escape(message)}"
    if usage:
        text += f"\n{escape(usage)}"
    return {"response_type": "ephemeral", "text": text}


def reply(text: str) -> Message:
    return {"response_type": "ephemeral", "text": text}


def changed_reply(incident: Incident, summary: str, durations: Durations | None = None) -> Message:
    text = f"{incident.name}: {summary}"
    if durations is not None:
        text += "\n" + "\n".join(duration_lines(durations))
    return reply(text)


def drafted_reply(incident: Incident, count: int, warnings: Sequence[str]) -> Message:
    where = f" in <#{incident.channel_id}>" if incident.channel_id else " in its channel"
    drafts = "a public update draft" if count == 1 else f"{count} public update drafts"
    text = f"{incident.name}: {drafts} posted{where}. Nothing is published until someone presses Publish."
    if incident.attack is Attack.NOT_ASSESSED:
        text += " Security is not assessed yet, so they say nothing about it: answer the prompt under them."
    for warning in warnings:
        text += f"\n:warning: {escape(warning)}"
    return reply(text)


def timeline_messages(
    incident: Incident,
    entries: Sequence[TimelineEntry],
    durations: Durations,
    names: Mapping[str, str],
    zone: ZoneInfo,
) -> list[Message]:
    """The whole timeline as ephemeral messages, each within Slack's limits."""
    status_word = "resolved" if incident.status is Status.RESOLVED else f"{incident.status.value}, so far"
    lines = [
        f"*{incident.name}: {for_slack(incident.title, names)}*",
        f"sev{incident.severity} · {status_word} · {TOTAL} {short(durations.total)}",
        *timeline_lines(incident, entries, names, zone),
    ]
    if incident.status is Status.RESOLVED:
        lines.extend(duration_lines(durations))
    return [
        {"response_type": "ephemeral", "text": f"Timeline of {incident.name}", "blocks": chunk}
        for chunk in messages(sections(lines))
    ]


def incident_list(incidents: Sequence[Incident], zone: ZoneInfo, now: datetime, *, everything: bool) -> list[Message]:
    """The list, as ephemeral messages within Slack's limits (many open incidents need several)."""
    if not incidents:
        return [reply("No open incidents." if not everything else "No incidents yet.")]
    heading = "The 20 most recent incidents" if everything else f"Open incidents ({len(incidents)})"
    lines = [f"*{heading}*"]
    for incident in incidents:
        channel = f" <#{incident.channel_id}>" if incident.channel_id else ""
        since = day_and_time(incident.impact_started_at, zone, relative_to=now)
        private = " :lock: private" if incident.private else ""
        lines.append(
            f"{STATUS_EMOJI[incident.status]} *{incident.name}*{private} sev{incident.severity} "
            f"{incident.status.value} · {for_slack(incident.title)} · since {since}{channel}"
        )
    return [{"response_type": "ephemeral", "text": heading, "blocks": chunk} for chunk in messages(sections(lines))]


def notice_modal(text: str) -> dict[str, Any]:
    """A modal that only tells something (it replaces one just submitted), with a Close button; a
    long text in as many sections as it needs."""
    return {"type": "modal", "title": plain("Incident bot"), "close": plain("Close"), "blocks": sections([text])}
