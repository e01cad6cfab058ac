"""draft.update: the draft's message as the draft is when sent (edited, published, discarded, stale)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from slack_sdk.errors import SlackApiError

from bot.outbox.effect import Effect, Sending
from bot.outbox.results import Nothing
from bot.outbox.slack_calls import error_code


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
        try:
            slack.client.chat_update(channel=channel, ts=draft.message_ts, text=text, blocks=message)
        except SlackApiError as error:
            if error_code(error) != "message_not_found":
                raise
            # posted in the public channel a private incident has left (docs/behaviour.md, Private incidents)
            return Nothing(note="draft message not in the incident's channel: it moved, or the message was deleted")
        return Nothing()
