"""reminder.update: an answered reminder's buttons replaced by what answered it (a published
update, a snooze, "no update needed now": who and when), or by the change that took its deadline
away (a status or severity change, a close, ...: "No longer due", and whether any update is due
now), docs/behaviour.md, Update promises and reminders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.outbox.effect import Effect, Sending
from bot.outbox.results import Nothing
from bot.outbox.slack_calls import update_in_channel
from bot.render import reminder_blocks


@dataclass(frozen=True)
class UpdateReminder(Effect):
    kind: ClassVar[str] = "reminder.update"
    reminder_id: int

    def send(self, slack: Sending) -> Nothing:
        view = slack.about()
        reminder = view.reminder
        if reminder is None or reminder.answer is None:
            return Nothing(note="not answered")
        if reminder.message_ts is None:  # its post sees the answer and is not made
            return Nothing(note="reminder not posted")
        incident = view.incident
        nothing_due = (
            not incident.status.is_open or incident.private or slack.settings.reminders.get(incident.severity) is None
        )
        text, message = reminder_blocks.answered_message(
            incident, reminder, view.names, slack.settings.zone, nothing_due=nothing_due
        )
        if not update_in_channel(slack.client, slack.channel(), reminder.message_ts, text=text, blocks=message):
            return Nothing(note="reminder not in the incident's channel: it moved, or the message was deleted")
        return Nothing()
