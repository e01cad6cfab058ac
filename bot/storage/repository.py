"""Incidents and their timelines in SQL: rows <-> domain objects. Flat functions, one query each.
Beside it: incident numbers (`bot.storage.numbering`), Slack events already acted on
(`bot.storage.events`), members' names (`bot.storage.members`); shared helpers: `bot.storage.sql`.

Every function takes the caller's session (keyword-only) and never commits: the service owns
the transaction. `for_update=True` takes the incident's row lock on PostgreSQL (`FOR NO KEY
UPDATE`), so concurrent changes to one incident apply one after the other (SQLite's BEGIN
IMMEDIATE already does); adding a timeline entry or outbox row never waits for that lock.

The statements on the acknowledgement's path (reading an incident, writing it, adding a timeline
entry) are Core statements built once at import, executed with their parameters: no ORM
bookkeeping and no statement building per call (see BENCHMARKS.md, "Acknowledgements").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, false, func, insert, literal, or_, true, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.domain.incident import Attack, EntryKind, Incident, Status, TimelineEntry
from bot.domain.reminders import OFF, Schedule
from bot.storage import public, reminders
from bot.storage.sql import core
from bot.storage.tables import OPEN, IncidentRow, TimelineRow
from bot.storage.utc import UtcDateTime


@dataclass(frozen=True)
class StoredIncident:
    """An incident with what only storage and Slack know about it."""

    id: int
    team_id: str
    incident: Incident
    channel_name: str | None
    card_ts: str | None
    origin_channel: str | None
    last_update_at: datetime
    last_reminded_at: datetime | None
    schedule: Schedule = OFF  # the next public update and its reminders (bot.storage.reminders)
    reminder_version: int = 0


@dataclass(frozen=True)
class StoredEntry:
    id: int
    entry: TimelineEntry


# --- incidents -------------------------------------------------------------------------------


def insert_incident(
    *,
    session: Session,
    team_id: str,
    incident: Incident,
    origin_channel: str | None,
    now: datetime,
    schedule: Schedule = OFF,
) -> int:
    """The new incident's row, with its first schedule (`deadlines.on_open`), in one INSERT: its id."""
    values = {"team_id": team_id, "origin_channel": origin_channel, "updated_at": now, "last_update_at": now}
    values |= _columns(incident) | reminders.first_values(schedule)
    inserted = core(session).execute(insert(IncidentRow).values(values).returning(col(IncidentRow.id)))
    return int(inserted.scalar_one())  # type: ignore[arg-type]  # an INSERT's id is never NULL


_SAVE_INCIDENT = update(IncidentRow).where(col(IncidentRow.id) == bindparam("incident_row_id"))


def save_incident(*, session: Session, incident_id: int, incident: Incident, now: datetime) -> None:
    """Write the incident's domain fields; people will be told, so it counts as an update."""
    columns = _columns(incident)
    public_change = public.shown_differently(
        session=session, incident_id=incident_id, severity=incident.severity, public_title=columns["public_title"]
    )
    values = {"incident_row_id": incident_id, "updated_at": now, "last_update_at": now, **columns}
    core(session).execute(_SAVE_INCIDENT, values)
    if public_change:  # a listed incident's severity or public title
        public.changed(session=session, at=now)


def set_channel(*, session: Session, incident_id: int, channel_id: str, channel_name: str, private: bool) -> bool:
    """Record the incident's channel, new (it has no card yet), or the private one it moved to;
    False (nothing recorded) when another incident has it. One guarded UPDATE (on the path to the
    new incident's card); the question whose it is is asked only when that changed nothing."""
    others = aliased(IncidentRow)
    held = select(others.id).where(col(others.channel_id) == channel_id, col(others.id) != incident_id)
    recorded = core(session).execute(
        update(IncidentRow)
        .where(
            col(IncidentRow.id) == incident_id,
            or_(col(IncidentRow.channel_id).is_(None), col(IncidentRow.channel_id) != channel_id),
            ~held.exists(),
        )
        .values(channel_id=channel_id, channel_name=channel_name, channel_private=private, card_ts=None)
    )
    return recorded.rowcount > 0 or core(session).execute(held).first() is None


def mark_published(*, session: Session, incident_id: int, at: datetime, resolved: bool) -> None:
    """An update was published at `at`: the incident is listed (from its first, which also fixes
    when impact began as the public is told), and publicly resolved when this update said so,
    open again when it did not."""
    core(session).execute(
        update(IncidentRow)
        .where(col(IncidentRow.id) == incident_id)
        .values(
            listed_at=func.coalesce(IncidentRow.listed_at, literal(at, UtcDateTime())),
            public_started_at=func.coalesce(IncidentRow.public_started_at, IncidentRow.impact_started_at),
            public_resolved_at=at if resolved else None,
        )
    )
    public.changed(session=session, at=at)


def unlist(*, session: Session, incident_id: int, now: datetime) -> None:
    """Off the status page (made private, or public again): listed anew from its next published update."""
    public.changed_if_listed(session=session, incident_id=incident_id, at=now)  # the page no longer shows it
    core(session).execute(
        update(IncidentRow)
        .where(col(IncidentRow.id) == incident_id)
        .values(listed_at=None, public_started_at=None, public_resolved_at=None)
    )


def set_card(*, session: Session, incident_id: int, card_ts: str) -> None:
    core(session).execute(update(IncidentRow).where(col(IncidentRow.id) == incident_id).values(card_ts=card_ts))


_INCIDENT = IncidentRow.__table__.select()  # type: ignore[attr-defined]  # every column, as a Core row
_BY_NUMBER = _INCIDENT.where(
    col(IncidentRow.team_id) == bindparam("team_id"), col(IncidentRow.number) == bindparam("number")
)
_BY_CHANNEL = _INCIDENT.where(col(IncidentRow.channel_id) == bindparam("channel_id"))
# FOR NO KEY UPDATE: changes to one incident queue for each other, while a note's insert (whose
# foreign key takes FOR KEY SHARE on the incident) never waits for them.
_LOCKED = {
    False: (_BY_NUMBER, _BY_CHANNEL),
    True: (_BY_NUMBER.with_for_update(key_share=True), _BY_CHANNEL.with_for_update(key_share=True)),
}


def get_by_number(*, session: Session, team_id: str, number: int, for_update: bool = False) -> StoredIncident | None:
    row = core(session).execute(_LOCKED[for_update][0], {"team_id": team_id, "number": number}).first()
    return stored_incident(row) if row else None


def get_by_channel(*, session: Session, channel_id: str, for_update: bool = False) -> StoredIncident | None:
    row = core(session).execute(_LOCKED[for_update][1], {"channel_id": channel_id}).first()
    return stored_incident(row) if row else None


def get_by_id(*, session: Session, incident_id: int) -> StoredIncident:
    return stored_incident(session.get_one(IncidentRow, incident_id))


def newest_id(*, session: Session) -> int | None:
    """The id of the incident stored last, if any."""
    return session.exec(select(IncidentRow.id).order_by(col(IncidentRow.id).desc()).limit(1)).first()


def _shown_to(viewer: str | None, channel_id: str | None) -> Any:
    """Public incidents, and private ones `viewer` is involved in or asks about from their own
    channel: the rule of bot.domain.visibility.visible_to, as SQL, so `list all` still gives 20.
    Every incident for the bot's own reads (`viewer=None`)."""
    if viewer is None:
        return true()
    involved = or_(
        col(IncidentRow.opened_by) == viewer,
        col(IncidentRow.lead) == viewer,
        col(IncidentRow.comms) == viewer,
        col(IncidentRow.scribe) == viewer,
    )
    here = col(IncidentRow.channel_id) == channel_id if channel_id else false()
    return or_(col(IncidentRow.private).is_(False), involved, here)


def list_open(
    *, session: Session, team_id: str, viewer: str | None = None, channel_id: str | None = None
) -> list[StoredIncident]:
    """Open incidents `viewer` may see, newest first; served by the partial index ix_incident_open."""
    query = (
        select(IncidentRow)
        .where(IncidentRow.team_id == team_id, OPEN)  # the partial index's own condition, as a literal
        .where(_shown_to(viewer, channel_id))
        .order_by(col(IncidentRow.number).desc())
    )
    return [stored_incident(row) for row in session.exec(query)]


def list_recent(
    *, session: Session, team_id: str, viewer: str | None = None, channel_id: str | None = None, limit: int = 20
) -> list[StoredIncident]:
    query = (
        select(IncidentRow)
        .where(IncidentRow.team_id == team_id, _shown_to(viewer, channel_id))
        .order_by(col(IncidentRow.number).desc())
        .limit(limit)
    )
    return [stored_incident(row) for row in session.exec(query)]


def _columns(incident: Incident) -> dict[str, Any]:
    """The incident's domain fields as column values."""
    return {
        "number": incident.number,
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status.value,
        "lead": incident.lead,
        "comms": incident.comms,
        "scribe": incident.scribe,
        "opened_by": incident.opened_by,
        "attack": incident.attack.value,
        "impact": incident.impact,
        "impacts": json.dumps([list(pair) for pair in incident.impacts], ensure_ascii=False)
        if incident.impacts
        else None,
        "channel_id": incident.channel_id,
        "impact_started_at": incident.impact_started_at,
        "opened_at": incident.opened_at,
        "status_since": incident.status_since,
        "resolved_at": incident.resolved_at,
        "public_title": incident.public_title or None,
        "private": incident.private,
        "public_since": incident.public_since,
        "channel_private": incident.channel_private,
    }


def stored_incident(row: Any) -> StoredIncident:
    """An incident from its row: an `IncidentRow`, or a Core row of the same columns."""
    assert row.id is not None
    incident = Incident(
        number=row.number,
        title=row.title,
        severity=row.severity,
        status=Status(row.status),
        lead=row.lead,
        opened_by=row.opened_by,
        attack=Attack(row.attack),
        impact=row.impact,
        impacts=tuple((str(code), str(text)) for code, text in json.loads(row.impacts)) if row.impacts else (),
        channel_id=row.channel_id,
        impact_started_at=row.impact_started_at,
        opened_at=row.opened_at,
        status_since=row.status_since,
        resolved_at=row.resolved_at,
        comms=row.comms,
        scribe=row.scribe,
        public_title=row.public_title or "",
        private=row.private,
        public_since=row.public_since,
        channel_private=row.channel_private,
    )
    return StoredIncident(
        id=row.id,
        team_id=row.team_id,
        incident=incident,
        channel_name=row.channel_name,
        card_ts=row.card_ts,
        origin_channel=row.origin_channel,
        last_update_at=row.last_update_at,
        last_reminded_at=row.last_reminded_at,
        schedule=Schedule(
            due=row.update_due, since=row.update_due_since, remind_at=row.remind_at, sent=row.reminders_sent
        ),
        reminder_version=row.reminder_version,
    )


# --- timeline --------------------------------------------------------------------------------


_ADD_ENTRY = insert(TimelineRow).returning(col(TimelineRow.id))


def entry_values(incident_id: int, entry: TimelineEntry) -> dict[str, Any]:
    return {
        "incident_id": incident_id,
        "at": entry.at,
        "recorded_at": entry.recorded_at,
        "actor": entry.actor,
        "kind": entry.kind.value,
        "text": entry.text,
        "status_from": entry.status_from.value if entry.status_from else None,
        "status_to": entry.status_to.value if entry.status_to else None,
        "source": entry.source,
        "link": entry.link,
    }


def add_entry(*, session: Session, incident_id: int, entry: TimelineEntry) -> int:
    entry_id = core(session).execute(_ADD_ENTRY, entry_values(incident_id, entry)).scalar_one()
    assert entry_id is not None
    return entry_id


def has_source(*, session: Session, incident_id: int, source: str) -> bool:
    query = select(TimelineRow.id).where(TimelineRow.incident_id == incident_id, TimelineRow.source == source)
    return session.exec(query).first() is not None


def timeline(*, session: Session, incident_id: int) -> list[StoredEntry]:
    """Every entry in event order (ties in the order they were recorded)."""
    query = (
        select(TimelineRow)
        .where(TimelineRow.incident_id == incident_id)
        .order_by(col(TimelineRow.at), col(TimelineRow.id))
    )
    return [_entry(row) for row in session.exec(query)]


def get_entry(*, session: Session, entry_id: int) -> StoredEntry:
    return _entry(session.get_one(TimelineRow, entry_id))


def get_entries(*, session: Session, entry_ids: Sequence[int]) -> dict[int, StoredEntry]:
    """Several entries by id, in one statement (a run of timeline lines, `bot.outbox.view`): plain
    rows, not ORM objects, since nothing here is written back (a batch of 100 in a third of the time)."""
    rows = core(session).execute(_ENTRIES, {"ids": list(entry_ids)})
    return {stored.id: stored for stored in map(_entry, rows)}


_ENTRIES = select(*TimelineRow.__table__.columns).where(  # type: ignore[attr-defined]
    col(TimelineRow.id).in_(bindparam("ids", expanding=True))
)


def _entry(row: Any) -> StoredEntry:  # a TimelineRow, or a plain row of its columns
    assert row.id is not None
    return StoredEntry(
        id=row.id,
        entry=TimelineEntry(
            at=row.at,
            recorded_at=row.recorded_at,
            actor=row.actor,
            kind=EntryKind(row.kind),
            text=row.text,
            status_from=Status(row.status_from) if row.status_from else None,
            status_to=Status(row.status_to) if row.status_to else None,
            source=row.source,
            link=row.link,
        ),
    )
