"""notice.post: a message of the bot's own in the incident channel, its text decided when queued.

For reminders after the fire (an overdue follow-up to its owner, a pending retrospective to the
lead): the text is mrkdwn the service wrote, with people's text already escaped and the person
reminded mentioned on purpose. A retry after an ambiguous failure looks for the earlier post
first, so nobody is reminded twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.outbox.effect import Effect, Sending
from bot.outbox.results import Nothing
from bot.outbox.slack_calls import post_notice_once


@dataclass(frozen=True)
class PostNotice(Effect):
    kind: ClassVar[str] = "notice.post"
    text: str

    def send(self, slack: Sending) -> Nothing:
        channel = slack.channel()
        if not post_notice_once(slack.client, channel, slack.attempt, self.text):
            return Nothing(note="found already posted")
        return Nothing()
