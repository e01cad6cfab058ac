"""Declaring an incident from a Slack message (docs/behaviour.md, Declaring an incident): pure rules.

*Declare incident from message* opens the open modal with the message's words as the title, read
as the timeline reads them (names, not ids; one line, at most the title's 150 characters). Once
opened, the incident's timeline starts with that message, copied as a :pushpin: copies one (its
author, its time, its words) with a link to where it was posted. Its time is when the impact began,
when it was posted in the last `BACKDATE_WITHIN` (the window `--at HH:MM` accepts too): the message
was the first sign of it. An older message is still copied, but the incident starts now.

The modal's *Private* box is ticked unless Slack says the message's conversation is a public
channel (`Conversation`): a title and a first timeline line copied from a private channel or a
direct message must not land in a public incident channel by default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from bot.domain.incident import TITLE_MAX
from bot.domain.markup import as_read, shorten

BACKDATE_WITHIN = timedelta(hours=12)
ELLIPSIS = "…"


@dataclass(frozen=True)
class SourceMessage:
    """A Slack message to copy to a timeline, as the shortcut or `conversations.history` gave it."""

    channel_id: str
    ts: str  # Slack's id and time of it: `1700000000.000100`
    author: str  # a user id, or a bot id for an integration
    text: str  # its words in stored form (`bot.domain.markup`), "" for none
    bot_name: str | None = None  # how an integration presents itself

    @property
    def posted_at(self) -> datetime:
        return datetime.fromtimestamp(float(self.ts), UTC)

    @property
    def source(self) -> str:
        """The entry's dedupe key: one message is copied to one timeline once."""
        return f"{self.channel_id}/{self.ts}"


class Conversation(Enum):
    """What Slack says of the conversation a message is in (`conversations.info`)."""

    PUBLIC = "public channel"
    PRIVATE_CHANNEL = "private channel"
    GROUP_DM = "group direct message"
    DM = "direct message"
    UNSEEN = "unseen"  # channel_not_found: private and the bot is not in it, or gone (Slack says the same)
    UNANSWERED = "unanswered"  # an error, no answer in time, or an answer without the flags

    @property
    def private(self) -> bool:
        """Whether an incident declared from a message there is private unless the person unticks it:
        every conversation but a channel Slack says is public (the safe side when it says nothing)."""
        return self is not Conversation.PUBLIC


DIRECT_MESSAGE_PREFIX = "D"  # Slack's ids: only a direct message's begins with D


def conversation_from(channel: Mapping[str, object]) -> Conversation:
    """The conversation `conversations.info` describes: a direct message (`is_im`; its object has no
    `is_private`), a group direct message (`is_mpim`), a private channel, or a public one when all
    three flags say false; a flag missing or not a boolean is no answer."""
    if channel.get("is_im") is True:
        return Conversation.DM
    if channel.get("is_mpim") is True:
        return Conversation.GROUP_DM
    private = channel.get("is_private")
    if private is True:
        return Conversation.PRIVATE_CHANNEL
    said_public = private is False and channel.get("is_im") is False and channel.get("is_mpim") is False
    return Conversation.PUBLIC if said_public else Conversation.UNANSWERED


def title_from(text: str, names: Mapping[str, str]) -> str:
    """The open modal's title prefill: the words as the timeline reads them, on one line, cut at a
    word with an ellipsis past `TITLE_MAX` characters; "" for a message without words."""
    return shorten(re.sub(r"\s+", " ", as_read(text, names)).strip(), TITLE_MAX)


def impact_start(message: SourceMessage, now: datetime) -> datetime:
    """When the impact began: the message's time when it is recent (`BACKDATE_WITHIN`), else now.
    A message Slack dated after our clock (clocks drift) is taken as posted now."""
    posted = min(message.posted_at, now)
    return posted if now - posted <= BACKDATE_WITHIN else now
