"""reminder.post: a nudge or an escalation about an overdue public update, with its buttons
(docs/behaviour.md, Update promises and reminders).

`version` is the schedule's version once the reminder was claimed: the buttons carry it, so a
click on an older reminder changes nothing. Not posted when the incident was resolved since it
was claimed, nor when it was answered before it could be posted (an update published during a
Slack outage); a retry after an ambiguous failure looks for the earlier post first. Its message is
remembered (`reminder_id`, the row written when it was claimed), so an answer can replace its
buttons (`reminder.update`). Work queued before reminders had rows has no `reminder_id`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from sqlmodel import Session

from bot.domain.reminders import ReminderKind
from bot.outbox.effect import Effect, Sending
from bot.outbox.results import Nothing, Result
from bot.outbox.slack_calls import posted_before
from bot.render import reminder_blocks
from bot.storage import reminder_messages


@dataclass(frozen=True)
class ReminderPosted(Result):
    """The reminder's message in the incident channel."""

    reminder_id: int
    ts: str

    def remember(self, session: Session, incident_id: int | None) -> None:
        reminder_messages.record_message(session=session, reminder_id=self.reminder_id, message_ts=self.ts)


@dataclass(frozen=True)
class PostReminder(Effect):
    kind: ClassVar[str] = "reminder.post"
    shows_on_home: ClassVar[bool] = True  # the App Home lists the incident, its status and next update due
    reminder: str  # a ReminderKind: nudge | escalation
    due: str  # ISO 8601: the update was due by
    noticed_at: str  # ISO 8601: when the scheduler claimed it
    late_seconds: float  # how long after its time it was claimed (a downtime, a clock jump)
    version: int
    reminder_id: int | None = None  # its row (None: queued by a version before reminders had rows)

    def send(self, slack: Sending) -> Result:
        view = slack.about()
        channel = slack.channel()
        if not view.incident.status.is_open:
            return Nothing(note="resolved since")
        if view.reminder is not None and view.reminder.answer is not None:
            return Nothing(note="answered before it was posted")
        found = posted_before(slack.client, channel, slack.attempt).ts(slack.attempt.effect_id)
        if found is not None:
            return ReminderPosted(self.reminder_id, found) if self.reminder_id else Nothing(note="found already posted")
        fallback, message = reminder_blocks.reminder_message(
            view.incident,
            kind=ReminderKind(self.reminder),
            due=datetime.fromisoformat(self.due),
            noticed_at=datetime.fromisoformat(self.noticed_at),
            late=timedelta(seconds=self.late_seconds),
            version=self.version,
            zone=slack.settings.zone,
        )
        posted = slack.client.chat_postMessage(
            channel=channel, blocks=message, text=fallback, metadata=slack.attempt.metadata()
        )
        return ReminderPosted(self.reminder_id, str(posted["ts"])) if self.reminder_id else Nothing()
