"""home.publish: one person's App Home, published with `views.publish` (docs/behaviour.md, The App Home).

Sent by the App Home's own sender (`own_sender = "home"`), so a thousand Homes to refresh never stand in
line before an incident channel's work; rendered from what the sender read when it sends
(`Sending.home`), so a later change shows. A newer one for the same person supersedes it; they
are queued at most one every 10 s a person (bot/home.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.outbox.effect import Effect, Sending
from bot.outbox.failures import GiveUp
from bot.outbox.results import Nothing
from bot.render.home import home_view


@dataclass(frozen=True)
class PublishHome(Effect):
    """`user`'s App Home in workspace `team_id`."""

    kind: ClassVar[str] = "home.publish"
    own_sender: ClassVar[str | None] = "home"
    superseded_by_later: ClassVar[bool] = True
    team_id: str
    user: str

    def send(self, slack: Sending) -> Nothing:
        if slack.home is None:
            raise GiveUp("the App Home was not read")
        slack.client.views_publish(user_id=self.user, view=home_view(slack.home))
        return Nothing()
