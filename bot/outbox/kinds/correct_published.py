"""draft.correct: a corrected update's post in INCIDENT_STATUS_CHANNEL, updated to its words now."""

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
        text, blocks = draft_blocks.published_message(draft, slack.about().names, slack.settings.zone)
        slack.client.chat_update(channel=target, ts=draft.published_ts, text=text, blocks=blocks)
        return Nothing()
