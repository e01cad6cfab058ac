"""page.update: a page's direct message once answered, by its person or by another (docs/behaviour.md,
Paging): its buttons replaced by what happened ("You acknowledged at 21:45 IST", "*alice*
acknowledged at 21:45 IST: nothing more to do", "No answer needed: INC-7 was resolved at 21:50 IST":
the incident's resolution ended it, `bot.storage.pages.end_open`); or, still waiting for an answer, asked again
with its buttons where the incident is now (its channel moved: `bot.channel_moves`). Rendered from
the page as it is when sent; in the pages' lane, after the message it edits (`PageMessage`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.outbox.effect import PageMessage, Sending
from bot.outbox.results import Nothing
from bot.render import paging


@dataclass(frozen=True)
class UpdatePage(PageMessage):
    kind: ClassVar[str] = "page.update"

    def send(self, slack: Sending) -> Nothing:
        view, page = self.page(slack)
        if page.channel is None or page.ts is None:
            return Nothing(note="its message was never sent")
        if page.state.is_open:  # not answered yet: the same question, where the incident is now
            reader, catalog = self.reader(slack, view), slack.settings.catalog
            text, blocks = paging.page_message(view.incident, page, view.names, reader, catalog)
        else:
            text, blocks = paging.answered_message(view.incident, page, view.names, self.reader(slack, view))
        slack.client.chat_update(channel=page.channel, ts=page.ts, text=text, blocks=blocks)
        return Nothing()
