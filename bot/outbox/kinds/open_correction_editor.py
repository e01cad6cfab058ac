"""view.open_correction: the modal that corrects a published update."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.outbox.effect import Effect, Sending
from bot.outbox.results import Nothing
from bot.render import draft_blocks


@dataclass(frozen=True)
class OpenCorrectionEditor(Effect):
    kind: ClassVar[str] = "view.open_correction"
    trigger_id: str
    draft_id: int

    def send(self, slack: Sending) -> Nothing:
        slack.client.views_open(
            trigger_id=self.trigger_id, view=draft_blocks.edit_modal(slack.draft(), correcting=True)
        )
        return Nothing()
