"""draft.correct: a corrected update's post in INCIDENT_STATUS_CHANNEL, updated to its words now;
never while the incident is private, nor when it was published before the incident was last made
public again: its post says it was withdrawn, and stays so (`public.withdraw`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.outbox.effect import Effect, Sending
from bot.outbox.failures import GiveUp
from bot.outbox.results import Nothing
from bot.render import draft_blocks


@dataclass(frozen=True)
class CorrectPublished(Effect):
    kind: ClassVar[str] = "draft.correct"
    draft_id: int

    def send(self, slack: Sending) -> Nothing:
        draft = slack.draft()
        target = slack.settings.status_channel
        if target is None:
            raise GiveUp("INCIDENT_STATUS_CHANNEL is not set")
        if draft.published_ts is None:  # its post (still queued) will carry the corrected words
            return Nothing(note="not posted yet")
        incident = slack.about().incident
        since = incident.public_since
        if incident.private or (since is not None and draft.decided_at is not None and draft.decided_at < since):
            return Nothing(note="withdrawn: the incident was made private after it was published")
        text, blocks = draft_blocks.published_message(draft, slack.about().names, slack.settings.zone)
        slack.client.chat_update(channel=target, ts=draft.published_ts, text=text, blocks=blocks)
        return Nothing()
