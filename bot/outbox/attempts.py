"""Which attempt at a batch the delivery is making: what makes a post idempotent.

Every message the outbox posts carries Slack message metadata naming the effects whose work it
holds (the outbox row ids): one effect and, when its work takes several messages (a very long
timeline line), the message's part; or several effects whose lines it holds whole (a batch of
timeline lines). When the previous attempt failed ambiguously (a timeout, a dropped connection or
a 5xx after the request may have reached Slack), the delivery first looks in the channel's recent
history for messages naming those effects, and counts them as posted instead of posting them twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

EVENT_TYPE = "incident_bot_effect"
LOOKUP_LIMIT = 100  # the newest messages of the channel searched for an earlier attempt's post


@dataclass(frozen=True)
class Attempt:
    effect_id: int  # the batch's first effect (its only one, but for a batch of timeline lines)
    maybe_sent: bool = False  # the previous attempt may have posted without the bot seeing the answer
    rest: tuple[int, ...] = ()  # the effects queued behind it, sent in the same batch

    @property
    def effect_ids(self) -> tuple[int, ...]:
        """Every effect of the batch, in order."""
        return (self.effect_id, *self.rest)

    def metadata(self, part: int = 0, *, effect_ids: Sequence[int] = ()) -> dict[str, Any]:
        """chat.postMessage's `metadata` for a message holding the work of `effect_ids` (this
        attempt's first effect by default): its part `part` when it is one effect's, the whole of
        each when it is several effects'."""
        ids = list(effect_ids) or [self.effect_id]
        payload: dict[str, Any] = {"effect_id": ids[0]}
        if len(ids) > 1:
            payload["effects"] = ids
        elif part:
            payload["part"] = part
        return {"event_type": EVENT_TYPE, "event_payload": payload}


@dataclass(frozen=True)
class Posted:
    """What an earlier attempt posted in a channel: for each effect found, its parts (part: ts)."""

    parts: Mapping[int, Mapping[int, str]]

    def __bool__(self) -> bool:
        return bool(self.parts)

    def ts(self, effect_id: int, part: int = 0) -> str | None:
        """The message holding part `part` of effect `effect_id`, if an earlier attempt posted it."""
        return self.parts.get(effect_id, {}).get(part)


NOTHING_POSTED = Posted({})


def posted(messages: list[dict[str, Any]], effect_ids: Sequence[int]) -> Posted:
    """What of these effects `messages` (conversations.history's) hold."""
    return Posted({effect_id: found for effect_id in effect_ids if (found := posted_parts(messages, effect_id))})


def posted_parts(messages: list[dict[str, Any]], effect_id: int) -> dict[int, str]:
    """The parts of effect `effect_id` among `messages` (conversations.history's), by part: their ts.
    A message holding several effects' lines holds the whole of each: part 0."""
    found: dict[int, str] = {}
    for message in messages:
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if metadata.get("event_type") != EVENT_TYPE:
            continue
        several = payload.get("effects")
        if isinstance(several, list) and effect_id in several:
            found.setdefault(0, str(message["ts"]))
        elif payload.get("effect_id") == effect_id:
            found.setdefault(int(payload.get("part", 0)), str(message["ts"]))
    return found
