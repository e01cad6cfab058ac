"""A group of alerts' message in `INCIDENT_ALERT_CHANNEL`: posted once, edited in place as the
group changes and once it is decided (docs/behaviour.md, Alerts).

Everything a sender wrote (summaries, labels, names) is escaped: an alert is never read as Slack
markup, so `<!channel>` in a summary notifies nobody. Links are the sender's http(s) addresses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.alerts import AlertStatus, Counts, StoredAlert, StoredGroup, Triage
from bot.domain.incident import Incident
from bot.domain.markup import escape, for_public, shorten
from bot.domain.timefmt import day_and_time
from bot.domain.triage import TriageView, outcome
from bot.render import actions
from bot.render.blocks import button, plain
from bot.render.text import FALLBACK_LIMIT, link, pack_lines, section

Block = dict[str, Any]

SEVERITY_EMOJI = {1: ":red_circle:", 2: ":large_orange_circle:", 3: ":large_yellow_circle:", 4: ":large_blue_circle:"}
STATUS_EMOJI = {AlertStatus.FIRING: ":fire:", AlertStatus.RESOLVED: ":white_check_mark:"}
DECIDED_EMOJI = {Triage.DECLARED: ":rotating_light:", Triage.ATTACHED: ":link:", Triage.DISMISSED: ":no_bell:"}
OPTION_LIMIT = 75  # characters of an option's text in a static select
LINK_MAX = 1000  # a longer address is not shown: a few of them would not fit one section
LINE_MAX = 2500  # an alert's line, links included, fits a section (3,000) with room to spare


def counted(counts: Counts) -> str:
    """`:fire: 3 firing · :white_check_mark: 1 resolved`."""
    firing, resolved = STATUS_EMOJI[AlertStatus.FIRING], STATUS_EMOJI[AlertStatus.RESOLVED]
    return f"{firing} {counts.firing} firing · {resolved} {counts.resolved} resolved"


def labels_text(labels: Mapping[str, str]) -> str:
    """`` `service=web` `instance=web-1` ``: labels as Alertmanager writes them, escaped."""
    return " ".join(f"`{escape(name)}={escape(value)}`" for name, value in labels.items())


def differing(alert: StoredAlert, common: Mapping[str, str]) -> dict[str, str]:
    """The labels of `alert` that are not the same for every alert of its group."""
    return {name: value for name, value in sorted(alert.labels.items()) if common.get(name) != value}


def alert_line(alert: StoredAlert, group: StoredGroup, zone: ZoneInfo) -> str:
    """`:fire: `instance=web-1` since 21:41 IST · Source · Silence`: how this alert stands."""
    state = alert.state
    own = labels_text(differing(alert, group.common_labels)) or escape(alert.name)
    when = ""
    if state.status is AlertStatus.FIRING and state.starts_at is not None:
        when = f" since {day_and_time(state.starts_at, zone, relative_to=group.last_seen_at)}"
    elif state.ends_at is not None:
        when = f" resolved at {day_and_time(state.ends_at, zone, relative_to=group.last_seen_at)}"
    if state.acknowledged_at is not None:
        when += " (acknowledged)"
    line = f"{STATUS_EMOJI[state.status]} {own}{when}"
    for item in alert.links:
        shown = link(item.url, item.label)
        if len(item.url) <= LINK_MAX and len(line) + len(shown) + 3 <= LINE_MAX:
            line += f" · {shown}"
    return line


def triage_message(view: TriageView, zone: ZoneInfo) -> tuple[str, list[Block]]:
    """The message's notification text and blocks, as the group stands now."""
    group, counts = view.group, view.counts
    word = group.common_labels.get("severity", "")
    severity = f"sev{group.severity}" + (f" ({escape(word)})" if word else "")
    source = escape(group.sender)
    if group.external_url:
        source += f" · {link(group.external_url, group.source.shown)}"
    alerts_field = counted(counts)
    if counts.truncated:
        alerts_field += f"\n_{counts.truncated} more left out by the sender_"
    fields = [
        f"*Severity*\n{severity}",
        f"*Alerts*\n{alerts_field}",
        f"*First seen*\n{day_and_time(group.first_seen_at, zone)}",
        f"*Last seen*\n{day_and_time(group.last_seen_at, zone, relative_to=group.first_seen_at)}",
        f"*Source*\n{source}",
    ]
    if group.common_labels:
        fields.append(f"*Labels*\n{shorten(labels_text(group.common_labels), 1900)}")
    blocks: list[Block] = [
        section(f"{SEVERITY_EMOJI.get(group.severity, '')} *{escape(group.summary)}*"),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": text} for text in fields]},
    ]
    lines = [alert_line(alert, group, zone) for alert in view.alerts]
    more = counts.total - len(view.alerts)
    if more > 0:
        lines.append(f"_and {more} more_")
    blocks += [section(text) for text in pack_lines(lines)]
    blocks += decision_blocks(view, zone)
    fallback = f"{severity} alert: {group.summary} ({counts.firing} firing, {counts.resolved} resolved)"
    return escape(shorten(fallback, FALLBACK_LIMIT // 2)), blocks


def decision_blocks(view: TriageView, zone: ZoneInfo) -> list[Block]:
    """The buttons while the group waits for a decision; what was decided once it is."""
    group = view.group
    if group.triage is not Triage.OPEN:
        said = outcome(group, view.incident, view.names, zone)
        where = ""
        if view.incident is not None and view.incident.channel_id and group.triage.in_incident:
            where = f" · <#{view.incident.channel_id}>"
        text = f"{DECIDED_EMOJI.get(group.triage, '')} {escape(said[0].upper() + said[1:])}{where}"
        return [{"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}]
    value = actions.triage_value(group.id, group.triage_version)
    declare = button("Declare incident", actions.DECLARE_ALERTS, value, style="primary")
    elements: list[Block] = [declare]
    if view.open_incidents:
        elements.append(add_select(group.id, group.triage_version, view.open_incidents))
    elements.append(button("Dismiss", actions.DISMISS_ALERTS, value))
    blocks: list[Block] = [{"type": "actions", "block_id": actions.TRIAGE_BLOCK, "elements": elements}]
    notes = []
    if group.declare_at is not None:
        at = day_and_time(group.declare_at, zone, relative_to=group.first_seen_at)
        notes.append(f"Rule *{escape(group.rule or '')}* declares an incident at {at} if these alerts still fire.")
    if not view.open_incidents:
        notes.append("No open incident to add these alerts to.")
    if notes:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " ".join(notes)}]})
    return blocks


def add_select(
    group_id: int, version: int, incidents: Sequence[Incident], placeholder: str = "Add to incident"
) -> Block:
    """*Add to incident*: the open incidents, newest first, each valued with the group's triage
    version (the triage message's, and the App Home's for a group waiting there: one listener)."""
    options = [
        {
            "text": plain(shorten(f"{incident.name} {for_public(incident.title)}", OPTION_LIMIT)),
            "value": actions.triage_value(group_id, version, incident.number),
        }
        for incident in incidents
    ]
    return {
        "type": "static_select",
        "action_id": actions.ADD_ALERTS,
        "placeholder": plain(placeholder),
        "options": options,
    }
