"""A fake `Delivery` for sender tests: scripted failures, and a record of what was sent."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from bot.outbox.delivery import Delivered, IncidentView, Progress
from bot.outbox.kinds import EffectKind

OPENING = [
    EffectKind.CREATE_CHANNEL,
    EffectKind.INVITE,
    EffectKind.SET_TOPIC,
    EffectKind.POST_CARD,
    EffectKind.POST_TIMELINE,
    EffectKind.ANNOUNCE,
    EffectKind.TELL_CHANNEL_READY,
]


class FakeSlack:
    """Answers like `Delivery.send`: from a queue of failures, then `failing` (if set), else success."""

    def __init__(self) -> None:
        self.failures: deque[Exception] = deque()
        self.failing: Callable[[], Exception] | None = None
        self.tried: list[tuple[EffectKind, int | None]] = []
        self.sent: list[tuple[EffectKind, int | None]] = []
        self.entries: list[tuple[int | None, int]] = []  # (incident, timeline entry) posted, in order

    def send(
        self,
        kind: EffectKind,
        payload: Mapping[str, Any],
        view: IncidentView | None,
        progress: Progress = lambda _: None,
    ) -> Delivered:
        number = None if view is None else view.incident.number
        self.tried.append((kind, number))
        if self.failures:
            raise self.failures.popleft()
        if self.failing is not None:
            raise self.failing()
        self.sent.append((kind, number))
        if kind is EffectKind.POST_TIMELINE:
            self.entries.append((number, int(payload["entry_id"])))
        if kind is EffectKind.CREATE_CHANNEL:
            return Delivered(channel=(f"C{number}", f"inc-{number}"))
        return Delivered()

    def sent_for(self, number: int) -> list[EffectKind]:
        return [kind for kind, sent_number in self.sent if sent_number == number]
