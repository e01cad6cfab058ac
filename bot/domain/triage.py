"""Triage: what a group's message in `INCIDENT_ALERT_CHANNEL` shows, and who may still decide it.

A new group of alerts is posted once and asks people to decide: *Declare incident*, *Add to
incident* or *Dismiss* (docs/behaviour.md, Alerts). Each decision raises the group's
`triage_version`, and every button of its message carries the version it was rendered with, so a
click on a message that was already decided (by someone else, a second click, a rule) finds another
version and changes nothing: it is told what happened instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.alerts import Counts, StoredAlert, StoredGroup, Triage
from bot.domain.incident import EntryKind, Incident, TimelineEntry, format_name
from bot.domain.markup import SOMEONE
from bot.domain.timefmt import day_and_time
from bot.errors import RuleRefused


@dataclass(frozen=True)
class TriageView:
    """A group as its message shows it: the alerts listed, where it stands, what it may join."""

    group: StoredGroup
    alerts: tuple[StoredAlert, ...]  # firing first, the first few of them
    counts: Counts
    incident: Incident | None = None  # the incident it was declared as or added to
    open_incidents: tuple[Incident, ...] = ()  # what *Add to incident* offers: open, not private
    names: Mapping[str, str] = field(default_factory=dict)  # who decided (a person, or its source)


def outcome(group: StoredGroup, incident: Incident | None, names: Mapping[str, str], zone: ZoneInfo) -> str:
    """What was decided, in plain words (Slack markup is the renderer's): `declared as INC-7 by
    alice at 21:55 IST`, `added to INC-3 by bob ...`, `dismissed by alice ...`."""
    who = names.get(group.decided_by or "") or SOMEONE
    when = f" at {day_and_time(group.decided_at, zone, relative_to=group.first_seen_at)}" if group.decided_at else ""
    name = format_name(incident.number) if incident is not None else "an incident"
    match group.triage:
        case Triage.DECLARED:
            return f"declared as {name} by {who}{when}"
        case Triage.ATTACHED:
            return f"added to {name} by {who}{when}"
        case Triage.DISMISSED:
            return f"dismissed by {who}{when}: no incident"
        case Triage.IGNORED:
            return "ignored by a rule"
    return "waiting for someone to decide"


def check_undecided(
    group: StoredGroup, version: int, incident: Incident | None, names: Mapping[str, str], zone: ZoneInfo
) -> None:
    """Refuse a decision made on a message rendered before the group's latest one (`version`)."""
    if group.triage is Triage.OPEN and group.triage_version == version:
        return
    if group.triage is Triage.OPEN:  # decided and undone since: the message shown is out of date
        raise RuleRefused("This alert message is out of date; use the one in the alert channel as it is now.")
    raise RuleRefused(f"Nothing changed: these alerts were already {outcome(group, incident, names, zone)}.")


def impact_began(alerts: tuple[StoredAlert, ...], fallback: datetime) -> datetime:
    """When an incident declared from these alerts began: the earliest `startsAt`, never after `fallback`."""
    started = [alert.first_fired_at or alert.state.starts_at for alert in alerts]
    return min([moment for moment in started if moment is not None] + [fallback])


class AlertEvent(StrEnum):
    """What an incident's timeline says of the alerts attached to it."""

    ATTACHED = "attached"  # a group was declared as the incident or added to it
    FIRED = "fired"
    FIRED_AGAIN = "fired again"
    RESOLVED = "resolved"
    ACKNOWLEDGED = "acknowledged"


@dataclass(frozen=True)
class AlertNews:
    """One timeline entry about attached alerts: `HighErrorRate resolved (3 of 3 resolved)`."""

    event: AlertEvent
    what: str  # the group's summary (attached), or the names of the alerts that changed
    changed: int  # how many alerts it is about
    firing: int  # the group's alerts firing and resolved after it
    resolved: int
    source: str  # the sender's name (INCIDENT_ALERT_TOKENS)
    link: str = ""  # the first changed alert's source link (generatorURL), else the sender's page

    @property
    def total(self) -> int:
        return self.firing + self.resolved


NAMES_SHOWN = 3  # alert names one line of news spells out; the rest are counted


def names_of(names: list[str]) -> str:
    """`HighErrorRate`, `A, B and C`, `A, B, C and 2 more`: the distinct names, in order."""
    distinct = list(dict.fromkeys(names))
    if len(distinct) <= NAMES_SHOWN:
        return distinct[0] if len(distinct) == 1 else ", ".join(distinct[:-1]) + " and " + distinct[-1]
    return ", ".join(distinct[:NAMES_SHOWN]) + f" and {len(distinct) - NAMES_SHOWN} more"


def alert_news_entry(news: AlertNews, *, actor: str, at: datetime, now: datetime) -> TimelineEntry:
    """The timeline entry recording `news` (its text is the news as JSON)."""
    text = json.dumps({**asdict(news), "event": news.event.value}, ensure_ascii=False, sort_keys=True)
    return TimelineEntry(at=at, recorded_at=now, actor=actor, kind=EntryKind.ALERTS, text=text)


def read_alert_news(entry: TimelineEntry) -> AlertNews:
    """The news an entry of kind `alerts` records."""
    written = json.loads(entry.text)
    return AlertNews(**{**written, "event": AlertEvent(written["event"])})
