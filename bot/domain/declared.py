"""Declaring an incident from a Slack message (docs/behaviour.md, Declaring an incident): pure rules.

*Declare incident from message* opens the open modal with the message's words as the title, read
as the timeline reads them (names, not ids; one line, at most the title's 150 characters). Once
opened, the incident's timeline starts with that message, copied as a :pushpin: copies one (its
author, its time, its words) with a link to where it was posted. Its time is when the impact began,
when it was posted in the last `BACKDATE_WITHIN` (the window `--at HH:MM` accepts too): the message
was the first sign of it. An older message is still copied, but the incident starts now.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.domain.incident import TITLE_MAX
from bot.domain.markup import as_read

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


def title_from(text: str, names: Mapping[str, str]) -> str:
    """The open modal's title prefill: the words as the timeline reads them, on one line, cut at a
    word with an ellipsis past `TITLE_MAX` characters; "" for a message without words."""
    line = re.sub(r"\s+", " ", as_read(text, names)).strip()
    if len(line) <= TITLE_MAX:
        return line
    cut = line[: TITLE_MAX - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space >= TITLE_MAX // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + ELLIPSIS


def impact_start(message: SourceMessage, now: datetime) -> datetime:
    """When the impact began: the message's time when it is recent (`BACKDATE_WITHIN`), else now.
    A message Slack dated after our clock (clocks drift) is taken as posted now."""
    posted = min(message.posted_at, now)
    return posted if now - posted <= BACKDATE_WITHIN else now
