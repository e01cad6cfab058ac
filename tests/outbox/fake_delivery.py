"""A fake `Delivery` for sender tests: scripted failures, and a record of what was sent."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

from bot.outbox.attempts import Attempt
from bot.outbox.effect import Effect
from bot.outbox.kinds.announce import Announce
from bot.outbox.kinds.create_channel import ChannelCreated, CreateChannel
from bot.outbox.kinds.invite import Invite
from bot.outbox.kinds.post_card import PostCard
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.outbox.kinds.set_topic import SetTopic
from bot.outbox.kinds.tell_channel_ready import TellChannelReady
from bot.outbox.registry import KINDS
from bot.outbox.results import Nothing, Progress, Result
from bot.outbox.view import IncidentView

OPENING = [
    CreateChannel.kind,
    Invite.kind,
    SetTopic.kind,
    PostCard.kind,
    PostTimeline.kind,
    Announce.kind,
    TellChannelReady.kind,
]


def by_lane(kinds: Sequence[str]) -> dict[str | None, list[str]]:
    """Kinds sent, in the order sent within each lane of an incident's work (`Effect.lane`): the
    order the outbox keeps; lanes go side by side."""
    lanes: dict[str | None, list[str]] = {}
    for kind in kinds:
        lanes.setdefault(KINDS[kind].lane, []).append(kind)
    return lanes


class FakeSlack:
    """Answers like `Delivery.send`: from a queue of failures, then `failing` (if set), else success."""

    def __init__(self) -> None:
        self.failures: deque[Exception] = deque()
        self.failing: Callable[[], Exception] | None = None
        self.tried: list[tuple[str, int | None]] = []
        self.sent: list[tuple[str, int | None]] = []
        self.entries: list[tuple[int | None, int]] = []  # (incident, timeline entry) posted, in order
        self.attempts: list[Attempt] = []  # what the sender told the delivery of each try
        self.batches: list[int] = []  # how many effects each successful call sent (several: a batch)

    def send(
        self,
        effects: Sequence[Effect],
        views: Sequence[IncidentView],
        progress: Progress,
        *,
        attempt: Attempt,
        group: object = None,
    ) -> Result:
        """Answers like `Delivery.send`: one call for the whole batch."""
        number = views[0].incident.number if views else None
        self.attempts.append(attempt)
        self.tried += [(effect.kind, number) for effect in effects]
        if self.failures:
            raise self.failures.popleft()
        if self.failing is not None:
            raise self.failing()
        for effect in effects:
            self.sent.append((effect.kind, number))
            if isinstance(effect, PostTimeline):
                self.entries.append((number, effect.entry_id))
        self.batches.append(len(effects))
        if isinstance(effects[0], CreateChannel):
            return ChannelCreated(channel_id=f"C{number}", name=f"inc-{number}")
        return Nothing()

    def sent_for(self, number: int) -> list[str]:
        return [kind for kind, sent_number in self.sent if sent_number == number]
