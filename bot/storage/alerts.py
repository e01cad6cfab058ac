"""Alerts and their groups in SQL: flat functions on the caller's session (the service commits).

Two processes may receive the same notification at the same moment (an HA pair of Alertmanagers,
a retry after a timeout): the unique keys decide. A group is inserted with `INSERT ... ON CONFLICT
DO NOTHING` and, when it was there already, read with its row lock (`FOR UPDATE` on PostgreSQL;
SQLite's `BEGIN IMMEDIATE` lets one writer in at a time), so the notifications of one group are
applied one after the other and the second copy finds every alert already in the state it
describes. Alerts are locked in key order, then the new ones inserted the same way.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlmodel import Session, col

from bot.domain.alert_rules import Action, Decision
from bot.domain.alerts import (
    Alert,
    AlertLink,
    AlertState,
    AlertStatus,
    Counts,
    Notification,
    Source,
    StoredAlert,
    StoredGroup,
    Triage,
)
from bot.storage.sql import core, upsert
from bot.storage.tables import AlertGroupRow, AlertMemberRow, AlertRow


def key_hash(sender: str, group_key: str) -> str:
    """A group's key as stored: its sender's (a token's name: no line break) and its own, so that two
    Alertmanagers routing alike (prod and staging: the same `groupKey`) keep a group each."""
    return hashlib.sha256(f"{sender}\n{group_key}".encode()).hexdigest()


def as_json(value: Mapping[str, str]) -> str:
    return json.dumps(dict(value), sort_keys=True, ensure_ascii=False)


def _mapping(text: str) -> Mapping[str, str]:
    loaded = json.loads(text) if text else {}
    return {str(key): str(value) for key, value in loaded.items()} if isinstance(loaded, dict) else {}


def _links(links: Sequence[AlertLink]) -> str:
    return json.dumps([[link.label, link.url] for link in links], ensure_ascii=False)


def _read_links(text: str) -> tuple[AlertLink, ...]:
    return tuple(AlertLink(str(label), str(url)) for label, url in json.loads(text or "[]"))


# --- groups ------------------------------------------------------------------------------------


_GROUP = AlertGroupRow.__table__  # type: ignore[attr-defined]


def group_for(
    *,
    session: Session,
    notification: Notification,
    decision: Decision,
    team_id: str | None,
    declare_at: datetime | None,
    now: datetime,
) -> tuple[StoredGroup, bool]:
    """The notification's group, row-locked, and whether this call created it (with `decision`:
    its rule, title, severity and, for `declare`, when to declare it)."""
    hashed = key_hash(notification.sender, notification.group_key)
    values = {
        "source": notification.source.value,
        "key_hash": hashed,
        "group_key": notification.group_key,
        "sender": notification.sender,
        "team_id": team_id,
        "summary": notification.summary,
        "title": decision.title,
        "severity": decision.severity,
        "rule": decision.rule,
        "group_labels": as_json(notification.group_labels),
        "common_labels": as_json(notification.common_labels),
        "common_annotations": as_json(notification.common_annotations),
        "external_url": notification.external_url,
        "truncated": notification.truncated,
        "first_seen_at": now,
        "last_seen_at": now,
        "changed_at": now,
        "triage": (Triage.IGNORED if decision.action is Action.IGNORE else Triage.OPEN).value,
        "triage_version": 0,
        "declare_at": declare_at,
    }
    inserted = core(session).execute(
        upsert(session)(AlertGroupRow).values(**values).on_conflict_do_nothing().returning(*_GROUP.c)
    )
    row = inserted.first()
    if row is not None:
        return _group(row), True
    found = find_group(
        session=session, source=notification.source, sender=notification.sender, group_key=notification.group_key
    )
    assert found is not None  # inserted by another transaction, committed before ours went on
    return found, False


def find_group(*, session: Session, source: Source, sender: str, group_key: str) -> StoredGroup | None:
    """The group of this key from this sender, row-locked, if there is one."""
    query = select(*_GROUP.c).where(
        col(AlertGroupRow.source) == source.value, col(AlertGroupRow.key_hash) == key_hash(sender, group_key)
    )
    row = core(session).execute(query.with_for_update()).first()
    return _group(row) if row is not None else None


def get_group(*, session: Session, group_id: int, for_update: bool = False) -> StoredGroup | None:
    query = select(*_GROUP.c).where(col(AlertGroupRow.id) == group_id)
    row = core(session).execute(query.with_for_update() if for_update else query).first()
    return _group(row) if row is not None else None


def refresh_group(
    *,
    session: Session,
    group_id: int,
    notification: Notification | None,
    now: datetime,
    changed: bool,
    severity: int | None = None,
    title: str | None = None,
    describes: bool = True,
) -> None:
    """What the latest notification says of the group (None: it only named an alert, an events
    acknowledge or resolve), with the severity and title it gives an incident declared from it;
    `describes`: it says what fires (one that only resolves keeps the group's summary, and narrows
    the common labels); `changed`: an alert of it changed state."""
    values: dict[str, Any] = {"last_seen_at": now}
    if severity is not None:
        values["severity"] = severity
    if title is not None:
        values["title"] = title
    if notification is not None:
        values |= {
            "common_labels": as_json(notification.common_labels),
            "common_annotations": as_json(notification.common_annotations),
            "truncated": notification.truncated,
        }
    if notification is not None and describes:
        values["summary"] = notification.summary
    if notification is not None and notification.external_url:
        values["external_url"] = notification.external_url
    if changed:
        values["changed_at"] = now
    core(session).execute(update(AlertGroupRow).where(col(AlertGroupRow.id) == group_id).values(**values))


def set_message(*, session: Session, group_id: int, ts: str) -> None:
    core(session).execute(update(AlertGroupRow).where(col(AlertGroupRow.id) == group_id).values(message_ts=ts))


def open_groups(*, session: Session, limit: int = 200) -> list[StoredGroup]:
    """Groups waiting for a person's decision, most recently seen first."""
    query = select(*_GROUP.c).where(col(AlertGroupRow.triage) == Triage.OPEN.value)
    rows = core(session).execute(query.order_by(col(AlertGroupRow.last_seen_at).desc()).limit(limit))
    return [_group(row) for row in rows]


def recent_groups(*, session: Session, limit: int = 50) -> list[StoredGroup]:
    """The groups most recently seen, whatever became of them."""
    query = select(*_GROUP.c).order_by(col(AlertGroupRow.last_seen_at).desc(), col(AlertGroupRow.id).desc())
    return [_group(row) for row in core(session).execute(query.limit(limit))]


def _group(row: Any) -> StoredGroup:
    return StoredGroup(
        id=row.id,
        source=Source(row.source),
        sender=row.sender,
        team_id=row.team_id,
        group_key=row.group_key,
        summary=row.summary,
        title=row.title,
        severity=row.severity,
        rule=row.rule,
        group_labels=_mapping(row.group_labels),
        common_labels=_mapping(row.common_labels),
        common_annotations=_mapping(row.common_annotations),
        external_url=row.external_url,
        truncated=row.truncated,
        first_seen_at=row.first_seen_at,
        last_seen_at=row.last_seen_at,
        changed_at=row.changed_at,
        triage=Triage(row.triage),
        triage_version=row.triage_version,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        incident_id=row.incident_id,
        message_ts=row.message_ts,
        declare_at=row.declare_at,
    )


# --- alerts ------------------------------------------------------------------------------------


_ALERT = AlertRow.__table__  # type: ignore[attr-defined]


def alerts_by_key(*, session: Session, source: Source, sender: str, keys: Iterable[str]) -> dict[str, StoredAlert]:
    """The sender's stored alerts of these keys, row-locked in key order (PostgreSQL; SQLite has
    one writer). Another sender's alerts of the same keys are others (prod's and staging's)."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    query = (
        select(*_ALERT.c)
        .where(col(AlertRow.source) == source.value, col(AlertRow.sender) == sender, col(AlertRow.key).in_(wanted))
        .order_by(col(AlertRow.key))
        .with_for_update()
    )
    return {row.key: _alert(row) for row in core(session).execute(query)}


def add_alerts(
    *, session: Session, source: Source, sender: str, alerts: Sequence[tuple[Alert, AlertState]], now: datetime
) -> dict[str, int]:
    """Insert the alerts no row has yet (in key order); the ids of those this call inserted, by
    key. One another process inserted meanwhile is left out: read it with `alerts_by_key`."""
    if not alerts:
        return {}
    rows = [
        {
            "source": source.value,
            "sender": sender,
            "key": alert.key,
            "name": alert.name,
            "labels": as_json(alert.labels),
            "annotations": as_json(alert.annotations),
            "links": _links(alert.links),
            "status": state.status.value,
            "starts_at": state.starts_at,
            "ends_at": state.ends_at,
            "first_fired_at": state.starts_at,
            "acknowledged_at": state.acknowledged_at,
            "fired": 1,
            "first_seen_at": now,
            "last_seen_at": now,
        }
        for alert, state in sorted(alerts, key=lambda pair: pair[0].key)
    ]
    statement = (
        upsert(session)(AlertRow).values(rows).on_conflict_do_nothing().returning(col(AlertRow.key), col(AlertRow.id))
    )
    return {str(key): int(alert_id) for key, alert_id in core(session).execute(statement)}


_UPDATE_ALERT = (
    update(AlertRow)
    .where(col(AlertRow.id) == bindparam("alert_id"))
    .values(
        name=bindparam("name"),
        labels=bindparam("labels"),
        annotations=bindparam("annotations"),
        links=bindparam("links"),
        status=bindparam("status"),
        starts_at=bindparam("starts_at"),
        ends_at=bindparam("ends_at"),
        first_fired_at=bindparam("first_fired_at"),
        acknowledged_at=bindparam("acknowledged_at"),
        fired=bindparam("fired"),
        last_seen_at=bindparam("last_seen_at"),
    )
)


def save_alerts(*, session: Session, alerts: Sequence[StoredAlert]) -> None:
    """Write these alerts' state and description (one statement, executed for each)."""
    if not alerts:
        return
    rows = [
        {
            "alert_id": alert.id,
            "name": alert.name,
            "labels": as_json(alert.labels),
            "annotations": as_json(alert.annotations),
            "links": _links(alert.links),
            "status": alert.state.status.value,
            "starts_at": alert.state.starts_at,
            "ends_at": alert.state.ends_at,
            "first_fired_at": alert.first_fired_at,
            "acknowledged_at": alert.state.acknowledged_at,
            "fired": alert.fired,
            "last_seen_at": alert.last_seen_at,
        }
        for alert in alerts
    ]
    core(session).execute(_UPDATE_ALERT, rows)


def join(*, session: Session, group_id: int, alert_ids: Iterable[int]) -> None:
    """These alerts are in the group (once, however often this is said)."""
    rows = [{"group_id": group_id, "alert_id": alert_id} for alert_id in sorted(set(alert_ids))]
    if rows:
        core(session).execute(upsert(session)(AlertMemberRow).values(rows).on_conflict_do_nothing())


def counts(*, session: Session, group_id: int, truncated: int = 0) -> Counts:
    """The group's alerts by state."""
    query = (
        select(col(AlertRow.status), func.count())
        .join(AlertMemberRow, col(AlertMemberRow.alert_id) == col(AlertRow.id))
        .where(col(AlertMemberRow.group_id) == group_id)
        .group_by(col(AlertRow.status))
    )
    found = {str(status): int(count) for status, count in core(session).execute(query)}
    return Counts(
        firing=found.get(AlertStatus.FIRING.value, 0),
        resolved=found.get(AlertStatus.RESOLVED.value, 0),
        truncated=truncated,
    )


def alerts_of(*, session: Session, group_id: int, limit: int | None = None) -> list[StoredAlert]:
    """The group's alerts, firing first, then by when they began (the first `limit` of them)."""
    query = (
        select(*_ALERT.c)
        .join(AlertMemberRow, col(AlertMemberRow.alert_id) == col(AlertRow.id))
        .where(col(AlertMemberRow.group_id) == group_id)
        .order_by(col(AlertRow.status), col(AlertRow.starts_at), col(AlertRow.id))
    )
    if limit is not None:
        query = query.limit(limit)
    return [_alert(row) for row in core(session).execute(query)]


def _alert(row: Any) -> StoredAlert:
    return StoredAlert(
        id=row.id,
        key=row.key,
        name=row.name,
        labels=_mapping(row.labels),
        annotations=_mapping(row.annotations),
        links=_read_links(row.links),
        state=AlertState(AlertStatus(row.status), row.starts_at, row.ends_at, row.acknowledged_at),
        first_fired_at=row.first_fired_at,
        fired=row.fired,
        last_seen_at=row.last_seen_at,
    )


def attached_to(*, session: Session, incident_id: int) -> list[tuple[StoredAlert, StoredGroup]]:
    """The alerts of the groups attached to the incident, each once (with the first of its groups
    attached), first fired first."""
    query = (
        select(*_ALERT.c, col(AlertGroupRow.id).label("attached_group"))
        .join(AlertMemberRow, col(AlertMemberRow.alert_id) == col(AlertRow.id))
        .join(AlertGroupRow, col(AlertGroupRow.id) == col(AlertMemberRow.group_id))
        .where(col(AlertGroupRow.incident_id) == incident_id)
        .order_by(col(AlertRow.first_fired_at), col(AlertRow.id), col(AlertGroupRow.id))
    )
    found: dict[int, tuple[StoredAlert, StoredGroup]] = {}
    groups: dict[int, StoredGroup] = {}
    for row in core(session).execute(query):
        if row.id in found:
            continue
        group = groups.get(row.attached_group) or get_group(session=session, group_id=row.attached_group)
        assert group is not None
        groups[group.id] = group
        found[row.id] = (_alert(row), group)
    return list(found.values())
