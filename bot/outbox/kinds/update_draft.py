"""draft.update: the draft's message as the draft is when sent (edited, published, discarded, stale)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.outbox.effect import Effect, Sending
from bot.outbox.results import Nothing
from bot.outbox.slack_calls import update_in_channel


@dataclass(frozen=True)
class UpdateDraft(Effect):
    kind: ClassVar[str] = "draft.update"
    draft_id: int

    def send(self, slack: Sending) -> Nothing:
        draft = slack.draft()
        channel = slack.channel()
        text, message = slack.draft_message()
        if draft.message_ts is None:
            return Nothing(note="draft message not posted yet")
        if not update_in_channel(slack.client, channel, draft.message_ts, text=text, blocks=message):
            return Nothing(note="draft message not in the incident's channel: it moved, or the message was deleted")
        return Nothing()
