"""The reminders posted in incident channels and what answered them, in SQL
(`bot.domain.reminders.ReminderMessage`).

Flat functions on the caller's session, never committing (the service owns the transaction).
A reminder's row is written when the scheduler claims it, in that transaction; its message's ts
once Slack posted it; the entry that answered it in the transaction of the answer (a published
update, a snooze, "no update needed now").
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.domain.incident import TimelineEntry
from bot.domain.reminders import Reminder, ReminderKind, ReminderMessage
from bot.storage import repository
from bot.storage.reminder_tables import ReminderMessageRow
from bot.storage.sql import core


def add(*, session: Session, incident_id: int, reminder: Reminder, noticed_at: datetime, version: int) -> int:
    """A claimed reminder, not posted yet: its id (the outbox work that posts it carries it)."""
    row = ReminderMessageRow(
        incident_id=incident_id,
        kind=reminder.kind.value,
        due=reminder.due,
        noticed_at=noticed_at,
        late_seconds=int(reminder.late.total_seconds()),
        version=version,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def record_message(*, session: Session, reminder_id: int, message_ts: str) -> None:
    """Slack posted it: its message, whose buttons an answer replaces."""
    core(session).execute(
        update(ReminderMessageRow).where(col(ReminderMessageRow.id) == reminder_id).values(message_ts=message_ts)
    )


def answer(*, session: Session, incident_id: int, entry_id: int) -> list[int]:
    """Every reminder of the incident still unanswered is answered by timeline entry `entry_id`
    (they all asked for the same public update): their ids, oldest first."""
    answered = core(session).execute(
        update(ReminderMessageRow)
        .where(col(ReminderMessageRow.incident_id) == incident_id, col(ReminderMessageRow.answer_entry_id).is_(None))
        .values(answer_entry_id=entry_id)
        .returning(col(ReminderMessageRow.id))
    )
    return sorted(int(reminder_id) for (reminder_id,) in answered if reminder_id is not None)


def get(*, session: Session, reminder_id: int) -> ReminderMessage:
    """The reminder, with the entry that answered it when there is one."""
    row = session.exec(select(ReminderMessageRow).where(col(ReminderMessageRow.id) == reminder_id)).one()
    assert row.id is not None
    entry = repository.get_entry(session=session, entry_id=row.answer_entry_id).entry if row.answer_entry_id else None
    return ReminderMessage(
        id=row.id,
        reminder=Reminder(ReminderKind(row.kind), row.due, timedelta(seconds=row.late_seconds)),
        noticed_at=row.noticed_at,
        version=row.version,
        message_ts=row.message_ts,
        answer=entry,
    )


def answer_to(*, session: Session, incident_id: int, version: int) -> TimelineEntry | None:
    """What answered the incident's reminder whose buttons carry `version`, if one did."""
    query = (
        select(ReminderMessageRow.answer_entry_id)
        .where(
            col(ReminderMessageRow.incident_id) == incident_id,
            col(ReminderMessageRow.version) == version,
            col(ReminderMessageRow.answer_entry_id).is_not(None),
        )
        .order_by(col(ReminderMessageRow.id).desc())
    )
    entry_id = session.exec(query).first()
    return repository.get_entry(session=session, entry_id=entry_id).entry if entry_id else None
