"""channel.leave: the last step of a move in the incident's own order (docs/behaviour.md, Private
incidents). When Slack never made the private channel, the note saying so in the public channel,
still the incident's. When it did, nothing to call: settling lets the public channel's clean-up
(`channel.vacate`, queued behind it in a lane apart) go, so that Slack failing there never holds
back the private channel's work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.outbox.effect import MOVED_LANE, Effect, Sending
from bot.outbox.results import Nothing
from bot.outbox.slack_calls import post_joining, posted_before
from bot.render import moves


@dataclass(frozen=True)
class LeaveChannel(Effect):
    kind: ClassVar[str] = "channel.leave"
    lane: ClassVar[str | None] = MOVED_LANE  # after the move (in no lane), before the clean-up waiting for it
    from_channel: str

    def send(self, slack: Sending) -> Nothing:
        incident = slack.about().incident
        if incident.channel_id not in (None, self.from_channel):
            return Nothing(note="moved: the old channel's clean-up goes apart")
        if not posted_before(slack.client, self.from_channel, slack.attempt).ts(slack.attempt.effect_id):
            text = moves.not_moved(incident)
            post_joining(slack.client, self.from_channel, text=text, metadata=slack.attempt.metadata())
        return Nothing(note="the incident did not move: its channel stays")
