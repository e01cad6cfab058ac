"""Which attempt at an effect the delivery is making: what makes a post idempotent.

Every message the outbox posts carries Slack message metadata naming its effect (the outbox row
id) and its part (a long timeline line is posted in several messages); a message that carries the
lines of several effects (`bot.outbox.runs`) names every one of them. When the previous attempt
failed ambiguously (a timeout, a dropped connection or a 5xx after the request may have reached
Slack), the delivery first looks in the channel's recent history for messages carrying that effect
id, and counts those as posted instead of posting them twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EVENT_TYPE = "incident_bot_effect"
LOOKUP_LIMIT = 100  # the newest messages of the channel searched for an earlier attempt's post


@dataclass(frozen=True)
class Attempt:
    effect_id: int
    maybe_sent: bool = False  # the previous attempt may have posted without the bot seeing the answer
    together: tuple[int, ...] = ()  # a run: every effect sent in this attempt, `effect_id` first

    def metadata(self, part: int = 0) -> dict[str, Any]:
        """chat.postMessage's `metadata` for part `part` of this effect."""
        payload: dict[str, Any] = {"effect_id": self.effect_id}
        if part:
            payload["part"] = part
        return {"event_type": EVENT_TYPE, "event_payload": payload}


def metadata_of(effect_ids: list[int]) -> dict[str, Any]:
    """chat.postMessage's `metadata` for one message carrying the lines of these effects."""
    return {"event_type": EVENT_TYPE, "event_payload": {"effect_id": effect_ids[0], "effects": effect_ids}}


def posted_effects(messages: list[dict[str, Any]]) -> set[int]:
    """The effects whose lines are in one of `messages` (conversations.history's), of messages
    that carry several effects' lines whole (`metadata_of`). A run is formed only behind a head
    whose previous attempt did not fail ambiguously, so effects posted alone need no looking for."""
    found: set[int] = set()
    for message in messages:
        metadata = message.get("metadata") or {}
        together = (metadata.get("event_payload") or {}).get("effects")
        if metadata.get("event_type") == EVENT_TYPE and isinstance(together, list):
            found |= {i for i in together if isinstance(i, int)}
    return found


def posted_parts(messages: list[dict[str, Any]], effect_id: int) -> dict[int, str]:
    """The parts of effect `effect_id` among `messages` (conversations.history's), by part: their ts.
    A message carrying several effects' lines (`metadata_of`) holds the whole of each: part 0."""
    found: dict[int, str] = {}
    for message in messages:
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if metadata.get("event_type") != EVENT_TYPE:
            continue
        together = payload.get("effects")
        if isinstance(together, list) and effect_id in together:
            found.setdefault(0, str(message["ts"]))
        elif payload.get("effect_id") == effect_id:
            found.setdefault(int(payload.get("part", 0)), str(message["ts"]))
    return found
