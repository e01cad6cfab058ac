"""reminder.post: a nudge or an escalation about an overdue public update, with its buttons
(docs/behaviour.md, Update promises and reminders).

`version` is the schedule's version once the reminder was claimed: the buttons carry it, so a
click on an older reminder changes nothing. Not posted when the incident was resolved since it
was claimed; a retry after an ambiguous failure looks for the earlier post first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from bot.domain.reminders import ReminderKind
from bot.outbox.effect import Effect, Sending
from bot.outbox.results import Nothing
from bot.outbox.slack_calls import posted_before
from bot.render import reminder_blocks


@dataclass(frozen=True)
class PostReminder(Effect):
    kind: ClassVar[str] = "reminder.post"
    reminder: str  # a ReminderKind: nudge | escalation
    due: str  # ISO 8601: the update was due by
    noticed_at: str  # ISO 8601: when the scheduler claimed it
    late_seconds: float  # how long after its time it was claimed (a downtime, a clock jump)
    version: int

    def send(self, slack: Sending) -> Nothing:
        view = slack.about()
        channel = slack.channel()
        if not view.incident.status.is_open:
            return Nothing(note="resolved since")
        if posted_before(slack.client, channel, slack.attempt):
            return Nothing(note="found already posted")
        fallback, message = reminder_blocks.reminder_message(
            view.incident,
            kind=ReminderKind(self.reminder),
            due=datetime.fromisoformat(self.due),
            noticed_at=datetime.fromisoformat(self.noticed_at),
            late=timedelta(seconds=self.late_seconds),
            version=self.version,
            zone=slack.settings.zone,
        )
        slack.client.chat_postMessage(channel=channel, blocks=message, text=fallback, metadata=slack.attempt.metadata())
        return Nothing()
