"""channel.invite: people into the incident's channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.outbox.effect import Effect, Sending
from bot.outbox.results import Nothing
from bot.outbox.slack_calls import tolerate


@dataclass(frozen=True)
class Invite(Effect):
    kind: ClassVar[str] = "channel.invite"
    users: tuple[str, ...]

    def send(self, slack: Sending) -> Nothing:
        channel = slack.channel()
        for user in self.users:
            tolerate(slack.client.conversations_invite, channel=channel, users=user)
        return Nothing()
