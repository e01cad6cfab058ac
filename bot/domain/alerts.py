"""Alerts from monitoring, in one shape whatever sent them, and what each new notification changes.

Alertmanager, Grafana and the PagerDuty Events API v2 each describe alerts their own way
(`bot.intake` reads them); here they are one `Notification` of one group holding `Alert`s:

- an alert is known by its source and its `key` (Alertmanager's and Grafana's `fingerprint`, the
  events' `dedup_key`): one alert however many times it is sent, firing again after it resolved;
- a group is known by its source and `group_key` (`groupKey`, or the events' `dedup_key`): every
  notification of the group carries its whole current set of alerts, firing and recently resolved.

Senders resend (every `group_interval` and `repeat_interval`), retry after a timeout, and an HA
pair sends the same notification twice, possibly late and out of order. `change` says what one
received alert means against what is stored, by the alert's own times, so a late copy of an older
notification is told apart from the alert firing again (`Change.STALE`), and a resend changes
nothing (`Change.UNCHANGED`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from bot.domain.incident import DEFAULT_SEVERITY, TITLE_MAX
from bot.domain.markup import shorten

SUMMARY_MAX = 300  # what a triage message and a title take from a summary
# The `severity` label's usual words (Prometheus' conventions, PagerDuty's enum) -> sev1..sev4.
SEVERITY_WORDS: Mapping[str, int] = MappingProxyType({"critical": 1, "error": 2, "major": 2, "warning": 3, "info": 4})


class Source(StrEnum):
    """Which endpoint an alert came through; alerts and groups are unique per source."""

    ALERTMANAGER = "alertmanager"
    GRAFANA = "grafana"
    EVENTS = "events"  # the PagerDuty Events API v2 shape

    @property
    def shown(self) -> str:
        """The source as people read it: `Alertmanager`, `Grafana`, `Events API`."""
        return _SOURCE_TITLES[self]


_SOURCE_TITLES = {Source.ALERTMANAGER: "Alertmanager", Source.GRAFANA: "Grafana", Source.EVENTS: "Events API"}


class AlertStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class AlertLink:
    label: str  # "Source", "Dashboard", "Silence", or what the sender called it
    url: str  # http(s) only (`bot.intake` drops anything else)


@dataclass(frozen=True)
class Alert:
    """One alert as a notification describes it now.

    `described` is False for an events `acknowledge` or `resolve`, which say only which alert: its
    labels, annotations and links stay as stored."""

    key: str
    status: AlertStatus
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    starts_at: datetime | None = None  # this firing began (None: the sender does not say)
    ends_at: datetime | None = None  # it resolved (None while firing)
    links: tuple[AlertLink, ...] = ()
    acknowledged: bool = False  # an events `acknowledge`: someone in the sending tool took it
    described: bool = True
    ordered: bool = True  # its times order its copies (Alertmanager, Grafana); events: arrival order

    @property
    def name(self) -> str:
        """What people call it: its `alertname`, else its summary, else its key."""
        return self.labels.get("alertname") or self.annotations.get("summary") or self.key


@dataclass(frozen=True)
class Notification:
    """One request of a sender: a group and its alerts as they are now."""

    source: Source
    sender: str  # the token's name (INCIDENT_ALERT_TOKENS), shown as where alerts come from
    group_key: str
    alerts: tuple[Alert, ...]
    group_labels: Mapping[str, str] = field(default_factory=dict)
    common_labels: Mapping[str, str] = field(default_factory=dict)
    common_annotations: Mapping[str, str] = field(default_factory=dict)
    external_url: str = ""  # a link back to the sender (Alertmanager's or Grafana's page)
    truncated: int = 0  # alerts the sender left out (`max_alerts`)

    @property
    def firing(self) -> tuple[Alert, ...]:
        """The alerts it says fire (an acknowledge or resolve describes none)."""
        return tuple(alert for alert in self.alerts if alert.described and alert.status is AlertStatus.FIRING)

    @property
    def summary(self) -> str:
        """The group described by what fires: a resolved alert carried beside them names nothing
        (all of them when none fires, a group first seen resolved)."""
        return summary_of(self.common_annotations, self.common_labels, self.firing or self.alerts)

    @property
    def severity(self) -> int:
        """sev1..sev4 from the common `severity` label; when its alerts' labels differ (or a group
        known before by another severity no longer shares one), the most severe among the alerts
        firing (all of them when none fires)."""
        if "severity" in self.common_labels:
            return severity_of(self.common_labels)
        shown = self.firing or self.alerts
        labelled = [alert.labels for alert in shown if "severity" in alert.labels]
        return min((severity_of(labels) for labels in labelled), default=DEFAULT_SEVERITY)

    @property
    def started_at(self) -> datetime | None:
        """When the earliest alert of the notification began firing."""
        return min((alert.starts_at for alert in self.alerts if alert.starts_at is not None), default=None)

    def within(self, labels: Mapping[str, str], annotations: Mapping[str, str]) -> Notification:
        """This notification of a group known so far by `labels` and `annotations` (common to every
        alert it carried before), with only what is common to all of them still called common.

        Alertmanager's `commonLabels` are those of one notification's alerts: once an alert's
        resolution has been sent, the next notification carries only the others, whose labels
        then look common (`instance="web-2"`), and the group would read as that one alert. An
        event's group is its one alert: what it says now is what is common."""
        if self.source is Source.EVENTS:
            return self
        return replace(
            self,
            common_labels=_shared(labels, self.common_labels),
            common_annotations=_shared(annotations, self.common_annotations),
        )


def _shared(before: Mapping[str, str], now: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in now.items() if before.get(name) == value}


def severity_of(labels: Mapping[str, str]) -> int:
    """sev1..sev4 from the `severity` label: critical 1; error or major 2; warning 3; info 4; else 2."""
    return SEVERITY_WORDS.get(labels.get("severity", "").strip().lower(), DEFAULT_SEVERITY)


def summary_of(annotations: Mapping[str, str], labels: Mapping[str, str], alerts: tuple[Alert, ...] = ()) -> str:
    """What the group is about, in one line: the common `summary` annotation, else the common
    `alertname`, else its alerts' names (an event's summary; "A and 2 more" when they differ), cut
    to `SUMMARY_MAX`."""
    found = annotations.get("summary") or labels.get("alertname")
    if not found:
        names = list(dict.fromkeys(alert.name for alert in alerts))
        found = names[0] + (f" and {len(names) - 1} more" if len(names) > 1 else "") if names else "Alert"
    return one_line(found, SUMMARY_MAX)


def one_line(text: str, limit: int = TITLE_MAX) -> str:
    """Spaces collapsed, at most `limit` characters: cut at a word with an ellipsis as a title
    declared from a message is (`markup.shorten`)."""
    return shorten(" ".join(text.split()), limit)


class Change(StrEnum):
    """What a received alert changes against what is stored."""

    NEW_FIRING = "new_firing"  # never seen, firing
    NEW_RESOLVED = "new_resolved"  # never seen, already resolved
    FIRED_AGAIN = "fired_again"  # was resolved, fires again
    RESOLVED = "resolved"  # was firing, resolved
    ACKNOWLEDGED = "acknowledged"  # an events acknowledge of a firing alert
    UNCHANGED = "unchanged"  # a resend: the same state
    STALE = "stale"  # a late copy of an older notification: ignored

    @property
    def fires(self) -> bool:
        return self in (Change.NEW_FIRING, Change.FIRED_AGAIN)

    @property
    def counts(self) -> bool:
        """Whether people are told (the triage message, an incident's timeline)."""
        return self not in (Change.UNCHANGED, Change.STALE)


@dataclass(frozen=True)
class AlertState:
    """What is stored of an alert's state."""

    status: AlertStatus
    starts_at: datetime | None  # the current (or last) firing began
    ends_at: datetime | None  # it resolved (None while firing)
    acknowledged_at: datetime | None = None


def change(stored: AlertState | None, received: Alert) -> Change:
    """What `received` means given the `stored` state (None: a new alert).

    By the alert's own times, so copies arriving late or out of order do no harm: a resolution
    ending before the current firing began is old news, and so is a firing that began before the
    stored resolution ended (Alertmanager gives an alert that fires again a new `startsAt`)."""
    if stored is None:
        if not received.described:  # an acknowledge or resolve of an alert never triggered here
            return Change.STALE
        return Change.NEW_FIRING if received.status is AlertStatus.FIRING else Change.NEW_RESOLVED
    if received.acknowledged:
        firing = stored.status is AlertStatus.FIRING
        return Change.ACKNOWLEDGED if firing and stored.acknowledged_at is None else Change.UNCHANGED
    if received.status is AlertStatus.RESOLVED:
        if stored.status is AlertStatus.RESOLVED:
            return Change.UNCHANGED
        return Change.STALE if _before(received, received.ends_at, stored.starts_at) else Change.RESOLVED
    if stored.status is AlertStatus.FIRING:
        return Change.UNCHANGED
    if _before(received, received.starts_at, stored.ends_at, or_same=True):
        return Change.STALE
    return Change.FIRED_AGAIN


def _before(received: Alert, moment: datetime | None, stored: datetime | None, *, or_same: bool = False) -> bool:
    """`moment` (of the received copy) came before the `stored` one: an old copy, when the alert's
    times order its copies (an event has only its arrival)."""
    if not received.ordered or moment is None or stored is None:
        return False
    return moment <= stored if or_same else moment < stored


def after(stored: AlertState | None, received: Alert, what: Change, now: datetime) -> AlertState | None:
    """The stored state once `what` applied (None: nothing to store)."""
    match what:
        case Change.NEW_FIRING | Change.FIRED_AGAIN:
            return AlertState(AlertStatus.FIRING, received.starts_at or now, None)
        case Change.NEW_RESOLVED:
            ends = received.ends_at or now
            return AlertState(AlertStatus.RESOLVED, received.starts_at or ends, ends)
        case Change.RESOLVED:
            assert stored is not None
            ends = received.ends_at or now
            return AlertState(AlertStatus.RESOLVED, stored.starts_at, ends, stored.acknowledged_at)
        case Change.ACKNOWLEDGED:
            assert stored is not None
            return AlertState(stored.status, stored.starts_at, stored.ends_at, now)
    return None


class Triage(StrEnum):
    """Where a group stands with people."""

    OPEN = "open"  # its message asks: Declare incident, Add to incident, Dismiss
    DECLARED = "declared"  # an incident was opened from it
    ATTACHED = "attached"  # added to an incident that was already open
    DISMISSED = "dismissed"  # someone said it needs no incident
    IGNORED = "ignored"  # a rule says so: stored, never shown

    @property
    def in_incident(self) -> bool:
        return self in (Triage.DECLARED, Triage.ATTACHED)


@dataclass(frozen=True)
class Counts:
    """A group's alerts by state, and how many the sender left out of its latest notification."""

    firing: int
    resolved: int
    truncated: int = 0

    @property
    def total(self) -> int:
        return self.firing + self.resolved


@dataclass(frozen=True)
class StoredGroup:
    """A group as stored (its alerts are read apart)."""

    id: int
    source: Source
    sender: str
    team_id: str | None
    group_key: str
    summary: str
    title: str
    severity: int
    rule: str | None
    group_labels: Mapping[str, str]
    common_labels: Mapping[str, str]
    common_annotations: Mapping[str, str]
    external_url: str
    truncated: int
    first_seen_at: datetime
    last_seen_at: datetime
    changed_at: datetime
    triage: Triage
    triage_version: int
    decided_by: str | None
    decided_at: datetime | None
    incident_id: int | None
    message_ts: str | None
    declare_at: datetime | None


@dataclass(frozen=True)
class StoredAlert:
    id: int
    key: str
    name: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    links: tuple[AlertLink, ...]
    state: AlertState
    first_fired_at: datetime | None
    fired: int
    last_seen_at: datetime


# An incident a rule declared is opened by its source: the actor stored for it (a timeline
# entry's, an incident's opener and lead until a person takes the lead) is this prefix and the
# source's name, never a Slack user id (those start with U or W).
SOURCE_PREFIX = "alerts:"
ACTOR_MAX = 32  # the width of the actor and opener columns


def source_actor(sender: str) -> str:
    """The actor that stands for an alert source (`alerts:prod-alertmanager`), within `ACTOR_MAX`."""
    actor = SOURCE_PREFIX + sender
    if len(actor) <= ACTOR_MAX:
        return actor
    digest = hashlib.sha256(sender.encode()).hexdigest()[:6]
    return actor[: ACTOR_MAX - 7] + "~" + digest


def is_source(actor: str | None) -> bool:
    """Whether `actor` is an alert source rather than a person."""
    return actor is not None and actor.startswith(SOURCE_PREFIX)
