"""view.open_page_picker: *Page someone else*'s picker (docs/behaviour.md, Paging), opened with the
button's trigger: people, and the catalog's components with an on-call group as the catalog is
when it opens. Its submission pages as `/incident page` does (`bot.slack.paging_listeners`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.outbox.effect import Effect, Sending
from bot.outbox.results import Nothing
from bot.render import page_picker


@dataclass(frozen=True)
class OpenPagePicker(Effect):
    """`private_metadata`: the incident and where the button was pressed (`page_picker.metadata`)."""

    kind: ClassVar[str] = "view.open_page_picker"
    trigger_id: str
    incident_name: str
    private_metadata: str

    def send(self, slack: Sending) -> Nothing:
        settings = slack.settings
        view = page_picker.modal(
            self.incident_name, settings.catalog.components, settings.languages[0], self.private_metadata
        )
        slack.client.views_open(trigger_id=self.trigger_id, view=view)
        return Nothing()
