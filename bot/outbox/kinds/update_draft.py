"""draft.update: the draft's message as the draft is when sent (edited, published, discarded, stale)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.outbox.effect import Effect, Sending
from bot.outbox.results import Nothing


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
        slack.client.chat_update(channel=channel, ts=draft.message_ts, text=text, blocks=message)
        return Nothing()
