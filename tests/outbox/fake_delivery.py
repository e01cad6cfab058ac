"""A fake `Delivery` for sender tests: scripted failures, and a record of what was sent."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

from bot.outbox.attempts import Attempt
from bot.outbox.kinds.announce import Announce
from bot.outbox.kinds.create_channel import ChannelCreated, CreateChannel
from bot.outbox.kinds.invite import Invite
from bot.outbox.kinds.post_card import PostCard
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.outbox.kinds.set_topic import SetTopic
from bot.outbox.kinds.tell_channel_ready import TellChannelReady
from bot.outbox.payload import Payload
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


class FakeSlack:
    """Answers like `Delivery.send`: from a queue of failures, then `failing` (if set), else success."""

    def __init__(self) -> None:
        self.failures: deque[Exception] = deque()
        self.failing: Callable[[], Exception] | None = None
        self.tried: list[tuple[str, int | None]] = []
        self.sent: list[tuple[str, int | None]] = []
        self.entries: list[tuple[int | None, int]] = []  # (incident, timeline entry) posted, in order
        self.attempts: list[Attempt] = []  # what the sender told the delivery of each try
        self.runs: list[int] = []  # how many effects each successful call sent (several: a run)

    def send(
        self, payload: Payload, view: IncidentView | None, progress: Progress = lambda _: None, *, attempt: Attempt
    ) -> Result:
        number = None if view is None else view.incident.number
        self.attempts.append(attempt)
        self.tried.append((payload.kind, number))
        if self.failures:
            raise self.failures.popleft()
        if self.failing is not None:
            raise self.failing()
        self.sent.append((payload.kind, number))
        self.runs.append(1)
        if isinstance(payload, PostTimeline):
            self.entries.append((number, payload.entry_id))
        if isinstance(payload, CreateChannel):
            return ChannelCreated(channel_id=f"C{number}", name=f"inc-{number}")
        return Nothing()

    def send_together(self, payloads: Sequence[Payload], views: Sequence[IncidentView], *, attempt: Attempt) -> Result:
        """Answers like `Delivery.send_together`: one call for the whole run."""
        number = views[0].incident.number
        self.attempts.append(attempt)
        self.tried += [(payload.kind, number) for payload in payloads]
        if self.failures:
            raise self.failures.popleft()
        if self.failing is not None:
            raise self.failing()
        for payload in payloads:
            self.sent.append((payload.kind, number))
            if isinstance(payload, PostTimeline):
                self.entries.append((number, payload.entry_id))
        self.runs.append(len(payloads))
        return Nothing()

    def sent_for(self, number: int) -> list[str]:
        return [kind for kind, sent_number in self.sent if sent_number == number]
