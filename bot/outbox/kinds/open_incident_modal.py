"""view.open: the modal of `/incident open` typed without a title.

Stored with its fields under "modal" (`{"trigger_id": ..., "modal": {"severity": ..., ...}}`),
the shape it has always had; `bot.outbox.codec` converts. Until the draft editor had its own
kind, it was a `view.open` row too (with a "draft_id"), which the codec reads as one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.domain.timefmt import day_and_time
from bot.outbox.effect import Effect, Sending
from bot.outbox.results import Nothing
from bot.outbox.slack_calls import conversation_of
from bot.render import open_metadata, open_modal


@dataclass(frozen=True)
class OpenIncidentModal(Effect):
    """`/incident open` without a title, *Declare incident* (the shortcuts, the App Home's button);
    `private_metadata` says where it was asked for (bot.render.open_metadata); `private`:
    `--private` was typed, so the modal's Private box is ticked; `title`: the prefilled title and
    `from_message` (declared from a message: its words, and the modal says the timeline starts with it);
    `message_channel`: the message's conversation, asked of Slack when sent (right after the ack,
    before views.open, at most a second): the Private box is ticked, with a hint saying why, unless
    Slack says it is a public channel. When the impact began, typed with `--at`, is in
    `private_metadata`: the modal says it."""

    kind: ClassVar[str] = "view.open"
    trigger_id: str
    severity: int
    private_metadata: str = ""
    private: bool = False
    title: str = ""
    from_message: bool = False
    message_channel: str = ""

    def send(self, slack: Sending) -> Nothing:
        started = open_metadata.read(self.private_metadata).started_at  # `/incident open --at TIME`
        began = day_and_time(started, slack.settings.zone) if started is not None else ""
        private, hint = self.private, ""
        if self.message_channel:
            conversation = conversation_of(slack.client, self.message_channel)
            private, hint = private or conversation.private, open_modal.hint_for(conversation)
        modal = open_modal.open_modal(
            severity=self.severity,
            private_metadata=self.private_metadata,
            private=private,
            private_hint=hint,
            title=self.title,
            from_message=self.from_message,
            components=slack.settings.catalog.components,  # as the catalog is now, with its names
            language=slack.settings.languages[0],
            began=began,
        )
        slack.client.views_open(trigger_id=self.trigger_id, view=modal)
        return Nothing()
