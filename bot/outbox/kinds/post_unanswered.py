"""page.unanswered: in the incident channel, nobody acknowledged a page (docs/behaviour.md, Paging),
with *Page again* and *Page someone else*. The text was written when the step was taken; a retry
after an ambiguous failure looks for the earlier post first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.outbox.effect import CHANNEL_LANE, TIMELINE_LANE, Effect, Sending
from bot.outbox.results import Nothing
from bot.outbox.slack_calls import posted_before
from bot.render import paging
from bot.render.text import FALLBACK_LIMIT, split_text


@dataclass(frozen=True)
class PostUnanswered(Effect):
    kind: ClassVar[str] = "page.unanswered"
    lane: ClassVar[str | None] = TIMELINE_LANE  # in the channel, right after its "nobody acknowledged" line
    after: ClassVar[str | None] = CHANNEL_LANE
    request_id: int
    text: str

    def send(self, slack: Sending) -> Nothing:
        channel = slack.channel()
        if posted_before(slack.client, channel, slack.attempt):
            return Nothing(note="found already posted")
        slack.client.chat_postMessage(
            channel=channel,
            blocks=paging.unanswered_blocks(self.text, self.request_id),
            text=split_text(self.text, FALLBACK_LIMIT)[0],
            metadata=slack.attempt.metadata(),
        )
        return Nothing()
