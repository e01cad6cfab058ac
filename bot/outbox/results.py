"""What the delivery of one payload brought back, for the sender to remember (`EffectSender._done`).

One class per thing worth remembering; `Nothing` when Slack's answer changes nothing we store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ChannelCreated:
    """The incident's channel, created, or ours of that name adopted after a crash."""

    channel_id: str
    name: str
    adopted: bool = False


@dataclass(frozen=True)
class CardPosted:
    ts: str


@dataclass(frozen=True)
class DraftPosted:
    """The draft's message in the incident channel."""

    draft_id: int
    ts: str


@dataclass(frozen=True)
class DraftPublished:
    """The draft's post in the status channel."""

    draft_id: int
    ts: str


@dataclass(frozen=True)
class MessageFetched:
    """A message someone put a :pushpin: on (`added_by`), to copy to the timeline."""

    channel: str
    message: Mapping[str, Any]
    added_by: str


@dataclass(frozen=True)
class Nothing:
    """Sent (or settled without sending, as `note` says); nothing to remember."""

    note: str | None = None


Result = ChannelCreated | CardPosted | DraftPosted | DraftPublished | MessageFetched | Nothing
Progress = Callable[[Result], None]  # remember a step at once, before the next call may fail


def note_of(result: Result) -> str | None:
    """What the outbox row keeps about a sent effect (shown by `incident-bot outbox`)."""
    if isinstance(result, Nothing):
        return result.note
    if isinstance(result, ChannelCreated) and result.adopted:
        return "adopted"
    return None
