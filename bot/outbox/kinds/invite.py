"""channel.invite: people into the incident's channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.domain.alerts import is_source
from bot.outbox.effect import CHANNEL_LANE, Effect, Sending
from bot.outbox.results import Nothing
from bot.outbox.slack_calls import tolerate


@dataclass(frozen=True)
class Invite(Effect):
    kind: ClassVar[str] = "channel.invite"
    lane: ClassVar[str | None] = "invite"
    after: ClassVar[str | None] = CHANNEL_LANE
    users: tuple[str, ...]

    def send(self, slack: Sending) -> Nothing:
        channel = slack.channel()
        people = [user for user in self.users if not is_source(user)]  # a rule's source is nobody to invite
        for user in people:
            tolerate(slack.client.conversations_invite, channel=channel, users=user)
        return Nothing() if people else Nothing(note="nobody to invite")
