"""message.acknowledge: a reaction on a message copied to the timeline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.outbox.effect import Effect, Sending
from bot.outbox.results import Nothing
from bot.outbox.slack_calls import tolerate

ACK_REACTION = "white_check_mark"


@dataclass(frozen=True)
class AcknowledgeMessage(Effect):
    """A reaction on message `ts`, copied to the timeline as entry `entry_id` (`user` added it)."""

    kind: ClassVar[str] = "message.acknowledge"
    entry_id: int
    ts: str
    user: str

    def send(self, slack: Sending) -> Nothing:
        tolerate(slack.client.reactions_add, channel=slack.channel(), timestamp=self.ts, name=ACK_REACTION)
        return Nothing()
