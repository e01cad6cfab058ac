"""The next-update deadline kept with every change, in the change's own transaction
(docs/behaviour.md, Update promises and reminders; the rules are `bot.domain.reminders`).

`on_open` (the schedule a new incident's row is inserted with), `on_change` and `on_publish` are
called by the incident and draft services inside their transaction; `Cadences` is
`INCIDENT_REMINDERS`, per severity (None: off).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.domain.drafts import DraftRecord
from bot.domain.incident import EntryKind, Incident, Status, TimelineEntry
from bot.domain.reminders import OFF, Schedule, promise_entry, published, reset, severity_changed
from bot.storage import reminders
from bot.storage.repository import StoredIncident

Cadences = Mapping[int, timedelta | None]


def _promised(session: Session, incident_id: int) -> datetime | None:
    """The time the latest public update promised, while no update has answered it."""
    promise = reminders.outstanding(session=session, incident_id=incident_id)
    return promise.promise.promised_by if promise else None


def on_open(incident: Incident, now: datetime, cadences: Cadences) -> Schedule:
    """The first public update is due one cadence after the incident opened: the schedule its row
    is inserted with (`repository.insert_incident`)."""
    return reset(now, cadence(incident, cadences))


def cadence(incident: Incident, cadences: Cadences) -> timedelta | None:
    """How often the public expects an update: never from a private incident (nothing is published)."""
    return None if incident.private else cadences.get(incident.severity)


def on_change(
    session: Session, stored: StoredIncident, changed: Incident, entry: TimelineEntry, now: datetime, cadences: Cadences
) -> bool:
    """After a change: a status change or a reopening resets the deadline (never past a public
    promise), a close clears it, a severity change counts the new cadence; the rest leave it.
    True when the change answers the reminders asking for the update due before it (a reset, a
    close, a severity that moved the deadline or has none: what they asked for is no longer what
    is due)."""
    every = cadence(changed, cadences)
    status_changed = entry.kind is EntryKind.STATUS and entry.status_from is not entry.status_to
    answers = False
    if changed.status is Status.RESOLVED:
        schedule, answers = OFF, True
    elif status_changed or entry.kind in (EntryKind.REOPENED, EntryKind.VISIBILITY):
        schedule, answers = reset(now, every, promised=_promised(session, stored.id)), True
    elif entry.kind is EntryKind.SEVERITY:  # answers when it moved the deadline, or took it away
        schedule = severity_changed(stored.schedule, now, every, promised=_promised(session, stored.id))
        answers = schedule.due != stored.schedule.due
    else:
        return False
    if schedule != stored.schedule:
        reminders.save_schedule(session=session, incident_id=stored.id, schedule=schedule)
    return answers


def on_publish(
    session: Session, draft: DraftRecord, incident: Incident, actor: str, now: datetime, cadences: Cadences
) -> TimelineEntry | None:
    """A public update went out: it answers the previous promise (the returned entry says whether
    it was kept) and, while the incident is open, its own promise becomes the deadline."""
    answered = reminders.outstanding(session=session, incident_id=draft.incident_id)
    entry = None
    if answered is not None:
        reminders.settle(session=session, promise_id=answered.id, at=now, draft_id=draft.id)
        settled = replace(answered.promise, settled_at=now)
        entry = promise_entry(settled, actor=actor)
    if incident.status.is_open:
        if draft.promises_by is not None:
            reminders.add_promise(
                session=session,
                incident_id=draft.incident_id,
                draft_id=draft.id,
                made_at=now,
                promised_by=draft.promises_by,
            )
        schedule = published(now, cadence(incident, cadences), promise=draft.promises_by)
        reminders.save_schedule(session=session, incident_id=draft.incident_id, schedule=schedule)
    return entry
