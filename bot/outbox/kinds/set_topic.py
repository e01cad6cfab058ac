"""channel.topic: the channel's topic, rendered from the incident as it is when sent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.outbox.effect import CHANNEL_LANE, Effect, Sending
from bot.outbox.results import Nothing
from bot.render import blocks


@dataclass(frozen=True)
class SetTopic(Effect):
    kind: ClassVar[str] = "channel.topic"
    superseded_by_later: ClassVar[bool] = True
    lane: ClassVar[str | None] = "topic"
    after: ClassVar[str | None] = CHANNEL_LANE
    entry_id: int | None = None

    def send(self, slack: Sending) -> Nothing:
        about = slack.about()
        slack.client.conversations_setTopic(channel=slack.channel(), topic=blocks.topic(about.incident, about.names))
        return Nothing()
