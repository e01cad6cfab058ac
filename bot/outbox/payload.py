"""`Payload`: what every kind of Slack work is (`bot.outbox.kinds`, one module each).

A payload is a frozen dataclass: its fields are what the service records (the `payload` JSON
column, written and read only by `bot.outbox.codec`), its `kind` the `kind` column's value
(never changed once released: rows of a deployed database must still load), and its `send`
what the work does in Slack, returning its typed result (`bot.outbox.results`). A field named
`entry_id` or `draft_id` makes the sender read that timeline entry or draft for the send
(`bot.outbox.view`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from bot.outbox.results import Result
from bot.outbox.sending import Sending


@dataclass(frozen=True)
class Payload(ABC):
    kind: ClassVar[str]
    # Rendered from the incident's state when sent, so only the newest pending one of an incident matters.
    superseded_by_later: ClassVar[bool] = False
    # Consecutive pending ones of an incident are claimed and sent together (`bot.outbox.runs`).
    coalesces: ClassVar[bool] = False

    @abstractmethod
    def send(self, slack: Sending) -> Result:
        """Do the work in Slack; raise `Retry`, `Hold` or `GiveUp` (`bot.outbox.failures`) when it
        cannot be done now; `SlackApiError`s are classified by the caller (`bot.outbox.delivery`)."""

    def send_together(self, slack: Sending) -> Result:
        """Send this payload and the ones queued right behind it (a run: `slack.attempt.together`
        their effect ids, `slack.together` what was read for each, this one's first) in as few
        Slack calls as fit; only kinds that coalesce."""
        raise NotImplementedError(f"{self.kind} is sent one at a time")
