"""What sending a batch brought back (`Result`), for the sender to keep (`EffectSender.record`).

Each kind of Slack work defines the result it returns beside its effect (`bot.outbox.kinds`):
`ChannelCreated`, `CardPosted`, ... A result keeps what must be kept with `remember`, in the
transaction that marks the batch done, and only when it does (the batch is still its sender's:
`store.mark_done`); `Nothing` when Slack's answer changes nothing we store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import Session

if TYPE_CHECKING:
    from bot.outbox.view import IncidentView


class Result:
    """What Slack gave back for a batch; by default nothing to store and nothing to note."""

    def remember(self, session: Session, incident_id: int | None) -> None:
        """Store what Slack gave back (`incident_id`: the batch's incident, None when independent)."""

    def outcome(self) -> str | None:
        """What the outbox rows keep about the sent batch (shown by `incident-bot outbox`)."""
        return None

    def completes(self, view: IncidentView) -> IncidentView | None:
        """The view of work read ahead of this result (`bot.outbox.ahead`: the card, read while its
        channel was created) as it reads once this result is recorded; None when this result cannot
        say (that work then waits for the record, and reads its view again)."""
        return None


@dataclass(frozen=True)
class Nothing(Result):
    """Sent (or settled without sending, as `note` says); nothing to remember."""

    note: str | None = None

    def outcome(self) -> str | None:
        return self.note


Progress = Callable[[Result], None]  # remember a step, written before the send ends (`bot.outbox.steps`)
# What one attempt at a batch brought: its result, or why it failed (Retry, Hold, GiveUp, or a bug).
Attempted = Result | Exception
