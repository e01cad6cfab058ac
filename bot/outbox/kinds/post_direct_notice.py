"""notice.direct: a direct message of the bot's own to one person, its text decided when queued.

For someone the bot must tell something where no channel answers them and no modal can open: a
button of their App Home refused without a trigger to open a modal with (docs/behaviour.md, The
App Home). `conversations.open` gives the app's direct message with the person; a retry after an
ambiguous failure looks for the earlier post first, so nobody is told twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.outbox.effect import Effect, Sending
from bot.outbox.failures import GiveUp
from bot.outbox.results import Nothing
from bot.outbox.slack_calls import post_notice_once


@dataclass(frozen=True)
class PostDirectNotice(Effect):
    """`text` (the bot's own words, mrkdwn, people's text already escaped) to `user`, directly."""

    kind: ClassVar[str] = "notice.direct"
    user: str
    text: str

    def send(self, slack: Sending) -> Nothing:
        opened = slack.client.conversations_open(users=self.user)
        channel = str((opened.get("channel") or {}).get("id") or "")
        if not channel:
            raise GiveUp("conversations.open named no conversation")
        if not post_notice_once(slack.client, channel, slack.attempt, self.text):
            return Nothing(note="found already posted")
        return Nothing()
