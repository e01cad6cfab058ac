"""draft.post: a draft status update with its buttons in the incident channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sqlmodel import Session

from bot.outbox.effect import Effect, Sending
from bot.outbox.results import Result
from bot.outbox.slack_calls import posted_before
from bot.storage import drafts


@dataclass(frozen=True)
class DraftPosted(Result):
    """The draft's message in the incident channel."""

    draft_id: int
    ts: str

    def remember(self, session: Session, incident_id: int | None) -> None:
        drafts.record_message(session=session, draft_id=self.draft_id, message_ts=self.ts)


@dataclass(frozen=True)
class PostDraft(Effect):
    kind: ClassVar[str] = "draft.post"
    draft_id: int

    def send(self, slack: Sending) -> DraftPosted:
        draft = slack.draft()
        channel = slack.channel()
        text, message = slack.draft_message()
        ts = posted_before(slack.client, channel, slack.attempt).ts(slack.attempt.effect_id)
        if ts is None:
            posted = slack.client.chat_postMessage(
                channel=channel, text=text, blocks=message, metadata=slack.attempt.metadata()
            )
            ts = str(posted["ts"])
        return DraftPosted(draft_id=draft.id, ts=ts)
