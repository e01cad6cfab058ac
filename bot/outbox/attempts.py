"""Which attempt at an effect the delivery is making: what makes a post idempotent.

Every message the outbox posts carries Slack message metadata naming its effect (the outbox row
id) and its part (a long timeline line is posted in several messages). When the previous attempt
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

    def metadata(self, part: int = 0) -> dict[str, Any]:
        """chat.postMessage's `metadata` for part `part` of this effect."""
        payload: dict[str, Any] = {"effect_id": self.effect_id}
        if part:
            payload["part"] = part
        return {"event_type": EVENT_TYPE, "event_payload": payload}


def posted_parts(messages: list[dict[str, Any]], effect_id: int) -> dict[int, str]:
    """The parts of effect `effect_id` among `messages` (conversations.history's), by part: their ts."""
    found: dict[int, str] = {}
    for message in messages:
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if metadata.get("event_type") == EVENT_TYPE and payload.get("effect_id") == effect_id:
            found.setdefault(int(payload.get("part", 0)), str(message["ts"]))
    return found
