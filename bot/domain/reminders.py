"""Update promises and reminders (docs/behaviour.md, Update promises and reminders): pure rules.

Each open incident has a `Schedule`: when its next public update is due (`due`), when the bot
next reminds the channel (`remind_at`) and how many reminders it sent for that deadline (`sent`:
0, then 1 after the nudge, 2 after the escalation). The cadence comes from `INCIDENT_REMINDERS`
for the incident's severity; `None` (`off`) means no deadline and no reminder.

- Opening, a status change, a reopening and "no update needed now" reset the deadline to now +
  the cadence, rounded up (`deadline_after`); a status change never moves it past a time still
  promised publicly (a status change tells the public nothing).
- Publishing an update sets the deadline to exactly the time that update promised.
- A severity change counts the new cadence from the last reset.
- At the deadline one nudge; still overdue one cadence later, one escalation. A snooze moves the
  next reminder and makes it a nudge again. After a long downtime only one reminder is sent,
  saying how late it is (`next_reminder`).
- Resolving clears the schedule: resolved incidents are never reminded.

Nothing here reads a clock or touches storage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.durations import short
from bot.domain.incident import EntryKind, TimelineEntry
from bot.domain.timefmt import clock_time, require_aware

SNOOZES = (timedelta(minutes=15), timedelta(minutes=30), timedelta(hours=1))
LATE_AFTER = timedelta(minutes=2)  # a reminder sent later than this after its time says so (the
# scheduler looks at least once a minute, so only a downtime or a clock jump makes one this late)


class ReminderKind(StrEnum):
    NUDGE = "nudge"  # mentions the comms lead (the lead when there is none)
    ESCALATION = "escalation"  # mentions the comms lead and the lead


@dataclass(frozen=True)
class Schedule:
    """The deadline of one incident's next public update and its reminders."""

    due: datetime | None = None  # the next public update is due by (None: no deadline)
    since: datetime | None = None  # the cadence is counted from (the last reset)
    remind_at: datetime | None = None  # the next reminder (None: none to send)
    sent: int = 0  # reminders sent for this deadline: 0, 1 (nudged), 2 (escalated)

    def __post_init__(self) -> None:
        for name in ("due", "since", "remind_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, require_aware(value, name))


OFF = Schedule()


@dataclass(frozen=True)
class Reminder:
    """A reminder to send now: a nudge or an escalation about `due`, `late` after its time."""

    kind: ReminderKind
    due: datetime
    late: timedelta  # how long after `remind_at` it is sent (a downtime, a clock jump)


def step_for(cadence: timedelta) -> timedelta:
    """Promised times are rounded up the way people say them: to 5 minutes for a cadence of 15
    minutes or more, to the minute from 2 minutes, to the second below that."""
    if cadence >= timedelta(minutes=15):
        return timedelta(minutes=5)
    if cadence >= timedelta(minutes=2):
        return timedelta(minutes=1)
    return timedelta(seconds=1)


def deadline_after(moment: datetime, cadence: timedelta | None) -> datetime | None:
    """`moment` + `cadence`, rounded up (`step_for`); None when the cadence is off."""
    if cadence is None:
        return None
    due = require_aware(moment) + cadence
    step = step_for(cadence).total_seconds()
    return datetime.fromtimestamp(math.ceil(due.timestamp() / step) * step, due.tzinfo)


def _fresh(due: datetime | None, since: datetime) -> Schedule:
    return OFF if due is None else Schedule(due=due, since=since, remind_at=due, sent=0)


def reset(now: datetime, cadence: timedelta | None, *, promised: datetime | None = None) -> Schedule:
    """Opening, a status change, a reopening: due one cadence from now, but never later than a
    time still promised publicly (`promised`, when it has not passed)."""
    due = deadline_after(now, cadence)
    if due is not None and promised is not None and now < promised < due:
        due = require_aware(promised)
    return _fresh(due, now)


def published(now: datetime, cadence: timedelta | None, *, promise: datetime | None) -> Schedule:
    """A public update went out: the next is due exactly when it said (`promise`); an update that
    promised nothing (a resolved one) leaves no deadline."""
    if cadence is None or promise is None:
        return OFF
    return _fresh(require_aware(promise), now)


def no_update_needed(now: datetime, cadence: timedelta | None) -> Schedule:
    """ "Still investigating: no update needed now": one more cadence from now."""
    return _fresh(deadline_after(now, cadence), now)


def severity_changed(
    schedule: Schedule, now: datetime, cadence: timedelta | None, *, promised: datetime | None = None
) -> Schedule:
    """The new severity's cadence, counted from the last reset (now, if there was none)."""
    since = schedule.since or now
    due = deadline_after(since, cadence)
    if due is not None and promised is not None and now < promised < due:
        due = require_aware(promised)
    if due is None:
        return OFF
    if due == schedule.due:
        return schedule
    return Schedule(due=due, since=since, remind_at=due, sent=0)


def snooze(schedule: Schedule, now: datetime, length: timedelta) -> Schedule:
    """Remind again `length` from now, with a nudge; the deadline itself does not move."""
    if schedule.due is None:
        raise ValueError("nothing to snooze: the incident has no deadline")
    return replace(schedule, remind_at=require_aware(now) + length, sent=0)


@dataclass(frozen=True)
class ReminderMessage:
    """A reminder as posted in the incident channel, and what answered it: the timeline entry of
    the published update, the snooze or the "no update needed now" that followed it (its buttons
    are then replaced by that), or None while it is unanswered."""

    id: int
    reminder: Reminder
    noticed_at: datetime
    version: int  # the schedule version its buttons carry
    message_ts: str | None  # None until posted
    answer: TimelineEntry | None = None


def next_reminder(schedule: Schedule, now: datetime, cadence: timedelta | None) -> Reminder | None:
    """The reminder to send at `now`, if any.

    The nudge comes first, the escalation one cadence later. When the bot was away so long that
    the escalation's time has passed too, only the escalation is sent (one message, not a burst).
    """
    if schedule.due is None or schedule.remind_at is None or now < schedule.remind_at or schedule.sent >= 2:
        return None
    late = now - schedule.remind_at
    if schedule.sent == 1:
        return Reminder(ReminderKind.ESCALATION, schedule.due, late)
    if cadence is not None and now >= schedule.remind_at + cadence:
        return Reminder(ReminderKind.ESCALATION, schedule.due, late)
    return Reminder(ReminderKind.NUDGE, schedule.due, late)


def after_reminder(schedule: Schedule, reminder: Reminder, cadence: timedelta | None) -> Schedule:
    """The schedule once `reminder` is sent: after a nudge, the escalation one cadence later."""
    if reminder.kind is ReminderKind.ESCALATION or cadence is None or schedule.remind_at is None:
        return replace(schedule, remind_at=None, sent=2)
    return replace(schedule, remind_at=schedule.remind_at + cadence, sent=1)


# --- promises ------------------------------------------------------------------------------


class PromiseOutcome(StrEnum):
    """What came of a promised "next update by", in the one set of words every output uses: the
    timeline, the close's report, the retrospective, `/incident stats` and `incident-bot report`
    (docs/behaviour.md, Update promises and reminders)."""

    KEPT = "kept"  # the next public update came by the promised time
    KEPT_LATE = "kept late"  # it came, after the promised time
    MISSED = "missed"  # the promised time passed and no public update has come since
    DUE = "due"  # the promised time is still ahead


@dataclass(frozen=True)
class Promise:
    """A published update's "next update by": kept when the next update came by then."""

    promised_by: datetime
    made_at: datetime
    settled_at: datetime | None = None  # when the next public update was published

    @property
    def late(self) -> timedelta | None:
        """How late the next update came (None while unsettled; zero when kept)."""
        if self.settled_at is None:
            return None
        return max(self.settled_at - self.promised_by, timedelta(0))

    @property
    def kept(self) -> bool:
        return self.late is not None and self.late.total_seconds() == 0

    def outcome(self, now: datetime) -> PromiseOutcome:
        if self.late is not None:
            return PromiseOutcome.KEPT if self.kept else PromiseOutcome.KEPT_LATE
        return PromiseOutcome.MISSED if self.promised_by < now else PromiseOutcome.DUE


@dataclass(frozen=True)
class PromiseRecord:
    """What the close reports: "Public updates: 4 promised, 3 kept, 1 kept late by 14 min"."""

    promised: int
    kept: int
    kept_late: tuple[timedelta, ...]  # how late, one per promise kept late
    missed: tuple[datetime, ...]  # promised times passed with no update yet
    due: tuple[datetime, ...]  # promised times still ahead


def record(promises: list[Promise], now: datetime) -> PromiseRecord:
    def having(outcome: PromiseOutcome) -> list[Promise]:
        return [promise for promise in promises if promise.outcome(now) is outcome]

    return PromiseRecord(
        promised=len(promises),
        kept=len(having(PromiseOutcome.KEPT)),
        kept_late=tuple(promise.late for promise in having(PromiseOutcome.KEPT_LATE) if promise.late is not None),
        missed=tuple(promise.promised_by for promise in having(PromiseOutcome.MISSED)),
        due=tuple(promise.promised_by for promise in having(PromiseOutcome.DUE)),
    )


# --- timeline entries ------------------------------------------------------------------------
# Their text holds the times as ISO 8601 (UTC), so lines are rendered in the configured zone.


def promise_entry(promise: Promise, *, actor: str) -> TimelineEntry:
    """ "Update promised by 22:20 was kept / kept late": recorded when the next update is published."""
    if promise.settled_at is None:
        raise ValueError("an unsettled promise has no outcome yet")
    text = f"{promise.promised_by.isoformat()} {promise.settled_at.isoformat()}"
    at = promise.settled_at
    return TimelineEntry(at=at, recorded_at=at, actor=actor, kind=EntryKind.PROMISE, text=text)


def read_promise_entry(entry: TimelineEntry) -> Promise:
    promised, _, settled = entry.text.partition(" ")
    return Promise(
        promised_by=datetime.fromisoformat(promised), made_at=entry.at, settled_at=datetime.fromisoformat(settled)
    )


def snooze_entry(length: timedelta, remind_at: datetime, *, actor: str, now: datetime) -> TimelineEntry:
    text = f"{int(length.total_seconds())} {require_aware(remind_at).isoformat()}"
    return TimelineEntry(at=now, recorded_at=now, actor=actor, kind=EntryKind.SNOOZED, text=text)


def read_snooze_entry(entry: TimelineEntry) -> tuple[timedelta, datetime]:
    seconds, _, until = entry.text.partition(" ")
    return timedelta(seconds=int(seconds)), datetime.fromisoformat(until)


def no_update_entry(due: datetime | None, *, actor: str, now: datetime) -> TimelineEntry:
    text = require_aware(due).isoformat() if due is not None else ""
    return TimelineEntry(at=now, recorded_at=now, actor=actor, kind=EntryKind.NO_UPDATE, text=text)


def read_no_update_entry(entry: TimelineEntry) -> datetime | None:
    return datetime.fromisoformat(entry.text) if entry.text else None


# --- how promises read -------------------------------------------------------------------


def minutes(length: timedelta) -> str:
    """`14 min`, `42 s`, `1h 5m`: how late, as people say it."""
    seconds = length.total_seconds()
    if seconds < 60:
        return f"{int(seconds)} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    return short(length)


def promise_line(record: PromiseRecord, zone: ZoneInfo) -> str | None:
    """`Public updates: 4 promised, 2 kept, 1 kept late by 5 min, 1 due by 23:45 IST` (None when
    nothing was promised); every outcome with its count, those that happened named."""
    if record.promised == 0:
        return None
    outcome = PromiseOutcome

    def times(moments: tuple[datetime, ...]) -> str:
        return ", ".join(clock_time(when, zone) for when in moments)

    parts = [f"{record.promised} promised", f"{record.kept} {outcome.KEPT}"]
    if record.kept_late:
        parts.append(f"{len(record.kept_late)} {outcome.KEPT_LATE} by " + " and ".join(map(minutes, record.kept_late)))
    if record.missed:
        parts.append(f"{len(record.missed)} {outcome.MISSED} (due by {times(record.missed)}, no update since)")
    if record.due:
        parts.append(f"{len(record.due)} {outcome.DUE} by {times(record.due)}")
    return "Public updates: " + ", ".join(parts)


def promise_words(entry: TimelineEntry, zone: ZoneInfo) -> str:
    """`Update promised by 22:20 IST was kept late by 5 min (published 22:25 IST)`, or `... was
    kept (published 22:18 IST)`: a promise's outcome, the bot's own record (nobody's act)."""
    promise = read_promise_entry(entry)
    promised, published = clock_time(promise.promised_by, zone), clock_time(entry.at, zone)
    if promise.kept:
        return f"Update promised by {promised} was {PromiseOutcome.KEPT} (published {published})"
    late = minutes(promise.late or timedelta(0))
    return f"Update promised by {promised} was {PromiseOutcome.KEPT_LATE} by {late} (published {published})"


def reminder_words(entry: TimelineEntry, zone: ZoneInfo) -> str:
    """A snooze or a "no update needed now", as what the person did."""
    if entry.kind is EntryKind.SNOOZED:
        length, until = read_snooze_entry(entry)
        return f"snoozed the update reminder for {minutes(length)} (next reminder at {clock_time(until, zone)})"
    due = read_no_update_entry(entry)
    after = f"; the next one is due by {clock_time(due, zone)}" if due else ""
    return f"said no public update is needed now: still investigating{after}"


ANSWERS = frozenset({EntryKind.PUBLISHED, EntryKind.SNOOZED, EntryKind.NO_UPDATE})  # the reminder's own answers


def why_stale(entry: TimelineEntry, who: str, at: str) -> str:
    """Why a reminder's buttons no longer act, from what answered it (`who` did it at `at`):
    "was snoozed by bob at 22:16 IST", "no longer applies: alice changed the severity from sev1
    to sev3 at 22:16 IST"."""
    match entry.kind:
        case EntryKind.PUBLISHED:
            return f"was answered by the update {who} published at {at}"
        case EntryKind.SNOOZED:
            return f"was snoozed by {who} at {at}"
        case EntryKind.NO_UPDATE:
            return f"was answered by {who} at {at}: no public update needed then"
        case EntryKind.SEVERITY:
            done = f"changed the severity from {entry.text.replace(' -> ', ' to ')}"
        case EntryKind.STATUS if entry.status_to is not None:
            done = f"changed the status to {entry.status_to.value}"
        case EntryKind.REOPENED:
            done = "reopened the incident"
        case EntryKind.VISIBILITY:
            done = f"made the incident {entry.text}"
        case _:
            return f"no longer applies: the deadline changed at {at}"
    return f"no longer applies: {who} {done} at {at}"
