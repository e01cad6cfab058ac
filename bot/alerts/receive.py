"""`AlertService.receive`: a notification from monitoring, deduplicated and grouped, in one transaction.

A sender resends a group every `group_interval` and `repeat_interval`, retries after a timeout,
and an HA pair sends each notification twice: the group is found by its key (made by the first
to arrive, under its unique key), every alert's change is read from its own times
(`bot.domain.alerts.change`), and a copy that changes nothing is counted as a duplicate and
records nothing for Slack. Nothing here talks to Slack: the answer to the sender never waits on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session

from bot.alerts import attached, message
from bot.domain.alert_rules import Action, Decision, Rules, decide, severity_and_title
from bot.domain.alerts import Alert, Change, Counts, Notification, StoredAlert, StoredGroup, Triage, after, change
from bot.storage import alerts, triage
from bot.storage.db import Database

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Receipt:
    """What one notification did: its group (made by it or not) and each alert's change."""

    group_id: int | None  # None: an acknowledge or resolve of an alert never triggered (dropped)
    created: bool
    changes: tuple[tuple[str, Change], ...]  # (alert key, change), in the notification's order
    counts: Counts
    declare: bool = False  # a rule declares the group now
    redescribed: bool = False  # it says the group or an alert otherwise (a new severity, summary, labels)

    @property
    def duplicate(self) -> bool:
        """Nothing a person would notice: a resend, a retry or the other half of an HA pair."""
        return not self.created and not self.redescribed and not any(what.counts for _, what in self.changes)


class AlertService:
    def __init__(
        self,
        db: Database,
        *,
        rules: Rules,
        clock: Clock,
        workspace: Callable[[], str | None] = lambda: None,
        declare: Callable[[int], object] = lambda group_id: None,
    ) -> None:
        self.db = db
        self.rules = rules  # INCIDENT_ALERT_RULES
        self.clock = clock
        self.workspace = workspace  # the Slack workspace this process serves, once known (never asks Slack)
        self.declare = declare  # declares a group a rule declares now (bot.triage), in its own transaction

    def receive(self, notification: Notification) -> Receipt:
        """Apply one notification; an events acknowledge or resolve of an unknown alert is dropped
        (as PagerDuty does), and makes no group."""
        decision = decide(self.rules, notification)
        described = any(alert.described for alert in notification.alerts)
        team_id = self.workspace()
        with self.db.write() as session:
            now = self.clock()
            if described:
                group, created = alerts.group_for(
                    session=session,
                    notification=notification,
                    decision=decision,
                    team_id=team_id,
                    declare_at=_declare_at(decision, notification, now),
                    now=now,
                )
            else:
                found = alerts.find_group(
                    session=session,
                    source=notification.source,
                    sender=notification.sender,
                    group_key=notification.group_key,
                )
                if found is None:
                    dropped = tuple((alert.key, Change.STALE) for alert in notification.alerts)
                    return Receipt(group_id=None, created=False, changes=dropped, counts=Counts(0, 0))
                group, created = found, False
            changes, redescribed = _apply(session, group.id, notification, now)
            changed = any(what.counts for _, what in changes)
            late = bool(changes) and all(what is Change.STALE for _, what in changes)  # a late copy of an older one
            latest = notification.within(group.common_labels, group.common_annotations) if described else None
            # only resolving (nothing in it fires) describes nothing: the group keeps its words
            describes = created or bool(notification.firing)
            severity: int | None = None
            title: str | None = None
            if latest is not None and not late and describes:
                severity, title = severity_and_title(self.rules.named(group.rule), latest)
                redescribed = redescribed or (not created and _group_redescribed(group, latest, severity, title))
            alerts.refresh_group(
                session=session,
                group_id=group.id,
                notification=None if late else latest,
                describes=describes,
                now=now,
                changed=changed,
                severity=severity,
                title=title,
            )
            counts = alerts.counts(session=session, group_id=group.id, truncated=notification.truncated)
            if group.incident_id is not None and group.team_id is not None and changed:
                news = [(key, what) for key, what in changes if what.counts]
                keys = [key for key, _ in news]
                now_stored = alerts.alerts_by_key(
                    session=session, source=group.source, sender=notification.sender, keys=keys
                )
                said = [(now_stored[key], what) for key, what in news if key in now_stored]
                attached.tell_incident(session, group, said, counts, now)
            adopted = (
                group.team_id is None
                and team_id is not None
                and triage.adopt(session=session, group_id=group.id, team_id=team_id)
            )
            team_id = group.team_id or (team_id if adopted else None)
            shown = created or changed or adopted or redescribed  # what its message shows is not so any more
            if team_id is not None and group.triage is not Triage.IGNORED and shown:
                message.show(session, group_id=group.id, team_id=team_id, now=now)
        due = group.triage is Triage.OPEN and group.declare_at is not None and group.declare_at <= now
        if due and team_id is not None:
            self.declare(group.id)
        return Receipt(
            group_id=group.id,
            created=created,
            changes=tuple(changes),
            counts=counts,
            declare=due,
            redescribed=redescribed and not created,
        )


def _apply(
    session: Session, group_id: int, notification: Notification, now: datetime
) -> tuple[list[tuple[str, Change]], bool]:
    """Store what each alert of the notification changes (new ones inserted, the others updated
    when their state or description changed) and that they are in the group; the changes, and
    whether a known alert is described otherwise (its summary, labels or links)."""
    source, sender = notification.source, notification.sender  # prod's alerts are not staging's
    stored = alerts.alerts_by_key(
        session=session, source=source, sender=sender, keys=[a.key for a in notification.alerts]
    )
    new = [alert for alert in notification.alerts if alert.key not in stored and alert.described]
    firsts = [(alert, state) for alert in new if (state := after(None, alert, change(None, alert), now))]
    inserted = alerts.add_alerts(session=session, source=source, sender=sender, alerts=firsts, now=now)
    if len(inserted) < len(new):  # another process stored some of them meanwhile: read them, locked
        late = [alert.key for alert in new if alert.key not in inserted]
        stored |= alerts.alerts_by_key(session=session, source=source, sender=sender, keys=late)
    changes: list[tuple[str, Change]] = []
    saved: list[StoredAlert] = []
    redescribed = False
    members = list(inserted.values())
    for alert in notification.alerts:
        known = None if alert.key in inserted else stored.get(alert.key)
        what = change(known.state if known else None, alert)
        changes.append((alert.key, what))
        if known is None:
            continue
        members.append(known.id)
        updated = _updated(known, alert, what, now)
        described_otherwise = what is not Change.STALE and _described_differently(known, updated)
        redescribed = redescribed or described_otherwise
        if what.counts or described_otherwise:
            saved.append(updated)
    alerts.save_alerts(session=session, alerts=saved)
    alerts.join(session=session, group_id=group_id, alert_ids=members)
    return changes, redescribed


def _updated(known: StoredAlert, alert: Alert, what: Change, now: datetime) -> StoredAlert:
    """The stored alert once `what` applied, with the description `alert` brings (if any)."""
    updated = replace(
        known,
        state=after(known.state, alert, what, now) or known.state,
        fired=known.fired + (1 if what is Change.FIRED_AGAIN else 0),
        last_seen_at=now,
    )
    if not alert.described:  # an events acknowledge or resolve says only which alert
        return updated
    return replace(
        updated, name=alert.name, labels=alert.labels, annotations=alert.annotations, links=alert.links or known.links
    )


def _declare_at(decision: Decision, notification: Notification, now: datetime) -> datetime | None:
    """When a `declare` rule declares the group: at once, or once it has fired `after` long."""
    if decision.action is not Action.DECLARE:
        return None
    if decision.after is None:
        return now
    return (notification.started_at or now) + decision.after


def _group_redescribed(group: StoredGroup, latest: Notification, severity: int, title: str) -> bool:
    """Whether the latest notification says the group otherwise than stored: what its message,
    the App Home and *Declare incident* show."""
    before = (group.summary, group.severity, group.title, dict(group.common_labels), dict(group.common_annotations))
    return before != (latest.summary, severity, title, dict(latest.common_labels), dict(latest.common_annotations))


def _described_differently(before: StoredAlert, now: StoredAlert) -> bool:
    return (before.name, before.labels, before.annotations, before.links) != (
        now.name,
        now.labels,
        now.annotations,
        now.links,
    )
