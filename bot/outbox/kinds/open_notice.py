"""view.notice: a modal that only says why nothing else opened (someone who may not declare, asking
from the lightning menu or the App Home, where no message can answer them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.outbox.effect import Effect, Sending
from bot.outbox.results import Nothing
from bot.render import blocks


@dataclass(frozen=True)
class OpenNotice(Effect):
    """A modal saying `text` (the bot's own words, mrkdwn), opened with `trigger_id`."""

    kind: ClassVar[str] = "view.notice"
    trigger_id: str
    text: str

    def send(self, slack: Sending) -> Nothing:
        slack.client.views_open(trigger_id=self.trigger_id, view=blocks.notice_modal(self.text))
        return Nothing()
