"""page.update: a page's direct message once answered, by its person or by another (docs/behaviour.md,
Paging): its buttons replaced by what happened ("You acknowledged at 21:45 IST", "*alice*
acknowledged at 21:45 IST: nothing more to do"). Rendered from the page as it is when sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.outbox.effect import Effect, Sending
from bot.outbox.failures import GiveUp
from bot.outbox.results import Nothing
from bot.render import paging


@dataclass(frozen=True)
class UpdatePage(Effect):
    kind: ClassVar[str] = "page.update"
    shows_on_home: ClassVar[bool] = True  # the App Home lists the pages waiting for an answer
    page_id: int

    def send(self, slack: Sending) -> Nothing:
        view = slack.about()
        page = view.page
        if page is None:
            raise GiveUp(f"page {self.page_id} is gone")
        if page.channel is None or page.ts is None:
            return Nothing(note="its message was never sent")
        text, blocks = paging.answered_message(view.incident, page, view.names, slack.settings.zone)
        slack.client.chat_update(channel=page.channel, ts=page.ts, text=text, blocks=blocks)
        return Nothing()
