"""draft.publish: the draft's text in INCIDENT_STATUS_CHANNEL, once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sqlmodel import Session

from bot.outbox.effect import Effect, Sending
from bot.outbox.failures import GiveUp
from bot.outbox.results import Nothing, Result
from bot.outbox.slack_calls import post_joining, posted_before
from bot.render import draft_blocks
from bot.storage import drafts


@dataclass(frozen=True)
class DraftPublished(Result):
    """The draft's post in the status channel."""

    draft_id: int
    ts: str

    def remember(self, session: Session, incident_id: int | None) -> None:
        drafts.record_published(session=session, draft_id=self.draft_id, published_ts=self.ts)


@dataclass(frozen=True)
class PublishDraft(Effect):
    kind: ClassVar[str] = "draft.publish"
    shows_on_home: ClassVar[bool] = True  # the App Home lists the incident, its status and next update due
    draft_id: int

    def send(self, slack: Sending) -> DraftPublished | Nothing:
        draft = slack.draft()
        target = slack.settings.status_channel
        if target is None:
            raise GiveUp("INCIDENT_STATUS_CHANNEL is not set")
        if draft.published_ts is not None:
            return Nothing(note="already posted")
        ts = posted_before(slack.client, target, slack.attempt).ts(slack.attempt.effect_id)
        if ts is None:
            text, blocks = draft_blocks.published_message(draft, slack.about().names, slack.settings.zone)
            ts = post_joining(slack.client, target, text=text, blocks=blocks, metadata=slack.attempt.metadata())
        return DraftPublished(draft_id=draft.id, ts=ts)
