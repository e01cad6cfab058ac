"""Update promises and reminders (docs/behaviour.md, Update promises and reminders): the service side.

The deadline is kept with every change, in the change's own transaction (`bot.deadlines`); the
reminder buttons (`ReminderService.snooze`, `no_update_needed`) are one
transaction each, and like a published update (`answer_reminders`) they replace the buttons of the
reminders they answer with what happened; `ReminderService.send_due` is the scheduler's round: each reminder that is due
is claimed in the database (a conditional UPDATE on the schedule's version, `bot.storage.reminders`)
and queued as outbox work in the same transaction, so it is sent once whatever the number of
processes looking, and never lost across a restart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.clock import Clock
from bot.config import DEFAULTS
from bot.deadlines import Cadences
from bot.domain.incident import Incident, TimelineEntry
from bot.domain.reminders import (
    OFF,
    Schedule,
    after_reminder,
    next_reminder,
    no_update_entry,
    no_update_needed,
    snooze,
    snooze_entry,
    why_stale,
)
from bot.domain.timefmt import clock_time
from bot.errors import RuleRefused
from bot.lookup import Where, locate
from bot.outbox import store
from bot.outbox.kinds.post_reminder import PostReminder
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.outbox.kinds.update_reminder import UpdateReminder
from bot.storage import members, reminder_messages, reminders, repository
from bot.storage.db import Database
from bot.storage.repository import StoredIncident


@dataclass(frozen=True)
class Answered:
    """A reminder answered: the incident, its schedule now, and the entry that says so."""

    incident: Incident
    schedule: Schedule
    entry: TimelineEntry


class ReminderService:
    def __init__(self, db: Database, *, zone: ZoneInfo, clock: Clock, cadences: Cadences = DEFAULTS.reminders) -> None:
        self.db = db
        self.zone = zone
        self.clock = clock
        self.cadences = cadences

    # --- the buttons of a reminder -----------------------------------------------------------

    def snooze(self, where: Where, *, actor: str, version: int, length: timedelta) -> Answered:
        """Remind again `length` from now (the deadline stays: a missed promise stays missed)."""

        def snoozed(stored: StoredIncident, now: datetime) -> tuple[Schedule, TimelineEntry]:
            schedule = snooze(stored.schedule, now, length)
            assert schedule.remind_at is not None
            return schedule, snooze_entry(length, schedule.remind_at, actor=actor, now=now)

        return self._answer(where, version, "snooze", snoozed)

    def no_update_needed(self, where: Where, *, actor: str, version: int) -> Answered:
        """ "Still investigating: no update needed now": the deadline is one cadence from now."""

        def waived(stored: StoredIncident, now: datetime) -> tuple[Schedule, TimelineEntry]:
            schedule = no_update_needed(now, self.cadences.get(stored.incident.severity))
            return schedule, no_update_entry(schedule.due, actor=actor, now=now)

        return self._answer(where, version, "answer", waived)

    def _answer(
        self,
        where: Where,
        version: int,
        verb: str,
        rule: Callable[[StoredIncident, datetime], tuple[Schedule, TimelineEntry]],
    ) -> Answered:
        with self.db.write() as session:
            stored = locate(session, where)
            now = self.clock()  # read once the row lock is held
            name = stored.incident.name
            if not stored.incident.status.is_open:
                raise RuleRefused(f"{name} is resolved: no public update is due, so there is no reminder to {verb}.")
            if stored.reminder_version != version or stored.schedule.due is None:
                raise RuleRefused(
                    f"Nothing changed: {self._stale(session, stored, version)} {self.describe(stored.schedule)}"
                )
            schedule, entry = rule(stored, now)
            reminders.save_schedule(session=session, incident_id=stored.id, schedule=schedule)
            entry_id = repository.add_entry(session=session, incident_id=stored.id, entry=entry)
            store.enqueue(session=session, incident_id=stored.id, effect=PostTimeline(entry_id=entry_id), now=now)
            answer_reminders(session, incident_id=stored.id, entry_id=entry_id, now=now)
            # the next update due moved: the App Homes showing it are published again
            store.refresh_homes(session=session, now=now, incident_id=stored.id)
            return Answered(incident=stored.incident, schedule=schedule, entry=entry)

    def _stale(self, session: Session, stored: StoredIncident, version: int) -> str:
        """Why the buttons carrying `version` no longer act: what answered their reminder."""
        name = stored.incident.name
        entry = reminder_messages.answer_to(session=session, incident_id=stored.id, version=version)
        if entry is None:  # a reminder sent before reminders had rows
            return (
                f"that reminder of {name} was already answered, or a status change or "
                "a published update has reset the deadline since."
            )
        who = members.names(session=session, user_ids={entry.actor}).get(entry.actor) or "someone"
        return f"that reminder of {name} {why_stale(entry, who, clock_time(entry.at, self.zone))}."

    def describe(self, schedule: Schedule) -> str:
        """`The next public update is due by 22:55 IST; next reminder at 22:55 IST.`"""
        if schedule.due is None:
            return "No public update is due."
        text = f"The next public update is due by {clock_time(schedule.due, self.zone)}"
        if schedule.remind_at is None:
            return text + "; no more reminders for it."
        return text + f"; next reminder at {clock_time(schedule.remind_at, self.zone)}."

    # --- the scheduler's round ---------------------------------------------------------------

    def send_due(self, *, team_id: str) -> int:
        """Claim and queue every reminder of workspace `team_id` that is due now; how many were
        queued by this caller."""
        with self.db.read() as session:
            due = reminders.due_ids(session=session, team_id=team_id, now=self.clock())
        return sum(1 for incident_id in due if self._remind(incident_id))

    def _remind(self, incident_id: int) -> bool:
        with self.db.write() as session:
            stored = repository.get_by_id(session=session, incident_id=incident_id)
            now = self.clock()
            cadence = self.cadences.get(stored.incident.severity)
            if cadence is None:  # INCIDENT_REMINDERS turned this severity off since: no deadline now
                reminders.claim(session=session, incident_id=incident_id, version=stored.reminder_version, schedule=OFF)
                return False
            reminder = next_reminder(stored.schedule, now, cadence)
            if reminder is None:  # nothing left to send for this deadline: stop looking at it
                if stored.schedule.remind_at is not None and stored.schedule.remind_at <= now:
                    stopped = replace(stored.schedule, remind_at=None)
                    reminders.claim(
                        session=session, incident_id=incident_id, version=stored.reminder_version, schedule=stopped
                    )
                return False
            after = after_reminder(stored.schedule, reminder, cadence)
            version = reminders.claim(
                session=session, incident_id=incident_id, version=stored.reminder_version, schedule=after
            )
            if version is None:  # another process sent it, or the deadline changed meanwhile
                return False
            reminder_id = reminder_messages.add(
                session=session, incident_id=incident_id, reminder=reminder, noticed_at=now, version=version
            )
            work = PostReminder(
                reminder=reminder.kind.value,
                due=reminder.due.isoformat(),
                noticed_at=now.isoformat(),
                late_seconds=reminder.late.total_seconds(),
                version=version,
                reminder_id=reminder_id,
            )
            store.enqueue(session=session, incident_id=incident_id, effect=work, now=now)
            return True

    def earliest(self, *, team_id: str) -> datetime | None:
        """When the next reminder of any open incident of the workspace is due (None: none scheduled)."""
        with self.db.read() as session:
            return reminders.earliest(session=session, team_id=team_id)


def answer_reminders(session: Session, *, incident_id: int, entry_id: int, now: datetime) -> None:
    """Timeline entry `entry_id` (a published update, a snooze, "no update needed now") answers
    every reminder of the incident still showing its buttons: each message is updated to say so,
    in the answer's own transaction."""
    for reminder_id in reminder_messages.answer(session=session, incident_id=incident_id, entry_id=entry_id):
        store.enqueue(session=session, incident_id=incident_id, effect=UpdateReminder(reminder_id=reminder_id), now=now)
