"""home.publish: one person's App Home, published with `views.publish` (docs/behaviour.md, The App Home).

Sent by the App Home's own sender (`own_sender = "home"`), so a thousand Homes to refresh never stand in
line before an incident channel's work; rendered from what the sender read when it sends
(`Sending.home`), so a later change shows. A newer one for the same person supersedes it; they
are queued at most one every 10 s a person (bot/home.py). A view that shows what the person's last
published one showed (the same `digest`, read with the Home) is not published: a change on
someone else's Home costs this person no Slack call; a Home just opened is always published (its
digest is forgotten when opened).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sqlmodel import Session

from bot.outbox.effect import Effect, Sending
from bot.outbox.failures import GiveUp
from bot.outbox.results import Nothing, Result
from bot.render.home import digest, home_view
from bot.storage import home


@dataclass(frozen=True)
class HomePublished(Result):
    team_id: str
    user: str
    digest: str

    def remember(self, session: Session, incident_id: int | None) -> None:
        home.published(session=session, team_id=self.team_id, user_id=self.user, digest=self.digest)


@dataclass(frozen=True)
class PublishHome(Effect):
    """`user`'s App Home in workspace `team_id`."""

    kind: ClassVar[str] = "home.publish"
    own_sender: ClassVar[str | None] = "home"
    superseded_by_later: ClassVar[bool] = True
    team_id: str
    user: str

    def send(self, slack: Sending) -> Result:
        if slack.home is None:
            raise GiveUp("the App Home was not read")
        view = home_view(slack.home)
        shown = digest(view)
        if shown == slack.home.published:
            return Nothing(note="not published: the Home shows what was published last")
        slack.client.views_publish(user_id=self.user, view=view)
        return HomePublished(team_id=self.team_id, user=self.user, digest=shown)
