"""What a kind's `send` is given (`Sending`), and what several kinds share to find their way.

No storage here: the sender read the incident (`IncidentView`) before the send. The lookups
give up (`GiveUp`) when what the work is about is gone: no incident, no channel, no draft.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

from bot.config import Settings
from bot.domain.drafts import DraftRecord
from bot.domain.incident import Incident
from bot.domain.markup import escape, for_public
from bot.outbox.attempts import Attempt
from bot.outbox.failures import GiveUp
from bot.outbox.results import Progress
from bot.outbox.view import IncidentView
from bot.render import draft_blocks


@dataclass(frozen=True)
class Sending:
    """One attempt at one effect: the Slack client, the settings, what the sender read for it
    (`view`), and which attempt this is (every message posted carries `attempt`'s effect id)."""

    kind: str
    client: WebClient
    settings: Settings
    bot_user_id: Callable[[], str]
    view: IncidentView | None
    attempt: Attempt
    progress: Progress  # remember a step at once, before the next call may fail
    together: tuple[IncidentView, ...] = ()  # a run sent at once (`Payload.send_together`): one view each

    def about(self) -> IncidentView:
        """The incident the work is about (read by the sender); GiveUp when there is none."""
        if self.view is None:
            raise GiveUp(f"{self.kind} needs an incident")
        return self.view

    def channel(self) -> str:
        """The incident's channel; GiveUp when it has none."""
        incident = self.about().incident
        if incident.channel_id is None:
            raise GiveUp(f"{incident.name} has no channel")
        return incident.channel_id

    def draft(self) -> DraftRecord:
        draft = self.about().draft
        if draft is None:
            raise GiveUp("draft missing")
        return draft

    def draft_message(self) -> tuple[str, list[dict[str, Any]]]:
        """The draft's message in the incident channel as the draft is now: fallback text and blocks."""
        return draft_blocks.draft_message(
            self.draft(), self.about().names, self.settings.zone, status_channel=self.settings.status_channel
        )


def fallback(incident: Incident) -> str:
    """The notification text that goes with the card's blocks: Slack parses it too, so it is escaped."""
    return escape(f"{incident.name} ({incident.status.value}, sev{incident.severity}): {for_public(incident.title)}")
