"""message.fetch: the message someone put a :pushpin: on, to copy to the timeline.

The sender hands the `MessageFetched` result to its `on_result` (the runtime has the service add the entry).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from bot.outbox.effect import Effect, Sending
from bot.outbox.results import Nothing, Result
from bot.outbox.slack_calls import thread_of, tolerate


@dataclass(frozen=True)
class MessageFetched(Result):
    """A message someone put a :pushpin: on (`added_by`), to copy to the timeline."""

    channel: str
    message: Mapping[str, Any]
    added_by: str


@dataclass(frozen=True)
class FetchMessage(Effect):
    """The message `user` put a :pushpin: on, to copy to the timeline."""

    kind: ClassVar[str] = "message.fetch"
    channel: str
    ts: str
    user: str

    def send(self, slack: Sending) -> MessageFetched | Nothing:
        """A top-level message, or a reply inside a thread (`reaction_added` does not say which).
        When Slack has no such message any more, the person who reacted is told, so a pin is
        never lost without a word."""
        incident = slack.about().incident
        channel, ts = slack.channel(), self.ts
        page = slack.client.conversations_history(channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1)
        found = [message for message in page.get("messages") or [] if message.get("ts") == ts]
        if not found:
            found = [message for message in thread_of(slack.client, channel, ts) if message.get("ts") == ts]
        if found:
            return MessageFetched(channel=self.channel, message=dict(found[0]), added_by=self.user)
        if self.user:
            text = (
                f"I could not add that message to the {incident.name} timeline: Slack no longer has it "
                "(was it deleted?). Add what it said with `/incident note`."
            )
            tolerate(slack.client.chat_postEphemeral, channel=channel, user=self.user, text=text)
        return Nothing(note=f"message {ts} not found; {self.user or 'nobody'} told")
