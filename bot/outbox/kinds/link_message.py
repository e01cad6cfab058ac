"""message.link: the permalink of the message an incident was declared from, kept on its first
timeline entry so that the line in the channel (and `timeline`, the retrospective) links to it.

Queued right before that line. Slack no longer having the message (deleted since the shortcut) or
its channel being one the bot cannot see leaves the entry as it is: the line shows the message's
words without a link, and nothing is given up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.outbox.effect import TIMELINE_LANE, Effect, Sending
from bot.outbox.results import Nothing, Result
from bot.outbox.slack_calls import error_code
from bot.storage import links

UNLINKABLE = frozenset({"message_not_found", "channel_not_found", "not_in_channel", "is_archived"})
PERMALINK = re.compile(r"https?://[^\s<>|]{1,1000}")  # what Slack gives; anything else is not shown


@dataclass(frozen=True)
class MessageLinked(Result):
    """The permalink Slack gave for the message copied as entry `entry_id`."""

    entry_id: int
    link: str

    def remember(self, session: Session, incident_id: int | None) -> None:
        links.set_link(session=session, entry_id=self.entry_id, link=self.link)


@dataclass(frozen=True)
class LinkMessage(Effect):
    """The permalink of message `ts` of `channel`, copied to the timeline as entry `entry_id`."""

    kind: ClassVar[str] = "message.link"
    # Before the line that shows the link, in the lines' lane; needs no channel of the incident's
    lane: ClassVar[str | None] = TIMELINE_LANE
    entry_id: int
    channel: str
    ts: str

    def send(self, slack: Sending) -> MessageLinked | Nothing:
        try:
            answer = slack.client.chat_getPermalink(channel=self.channel, message_ts=self.ts)
        except SlackApiError as error:
            if error_code(error) not in UNLINKABLE:
                raise
            return Nothing(note=f"no permalink: {error_code(error)}")
        link = str(answer.get("permalink") or "")
        if not PERMALINK.fullmatch(link):
            return Nothing(note="no permalink in Slack's answer")
        return MessageLinked(entry_id=self.entry_id, link=link)
