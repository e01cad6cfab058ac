"""page.send: the direct message asking someone to take an incident (docs/behaviour.md, Paging).

`conversations.open` gives the app's direct message with the person, where the page is posted
with *Acknowledge* and *Can't take it*. The time Slack gives the message (its ts, to the second)
is when the page was sent: the request's escalation time counts from its first message, so a page recorded
while Slack was down waits its full time once it reaches the person. A page answered before its
message could go (someone else took it) is not sent. In the pages' lane (`PageMessage`): it waits
for no channel, so a person is paged while the incident's channel cannot be created yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from sqlmodel import Session

from bot.outbox.effect import PageMessage, Sending
from bot.outbox.failures import GiveUp
from bot.outbox.results import Nothing, Result
from bot.outbox.slack_calls import posted_before
from bot.render import paging
from bot.storage import pages


@dataclass(frozen=True)
class PageSent(Result):
    page_id: int
    channel: str
    ts: str
    escalate_after_seconds: float

    def remember(self, session: Session, incident_id: int | None) -> None:
        pages.sent(
            session=session,
            page_id=self.page_id,
            channel=self.channel,
            ts=self.ts,
            sent_at=datetime.fromtimestamp(int(float(self.ts)), UTC),  # to the second: a ts's last digits count
            escalate_after=timedelta(seconds=self.escalate_after_seconds),
        )


@dataclass(frozen=True)
class SendPage(PageMessage):
    kind: ClassVar[str] = "page.send"

    def send(self, slack: Sending) -> Result:
        view, page = self.page(slack)
        if not page.state.is_open:
            return Nothing(note=f"not sent: the page was {page.state.value} first")
        opened = slack.client.conversations_open(users=page.user_id)
        channel = str((opened.get("channel") or {}).get("id") or "")
        if not channel:
            raise GiveUp("conversations.open named no conversation")
        ts = posted_before(slack.client, channel, slack.attempt).ts(slack.attempt.effect_id)
        if ts is None:
            text, blocks = paging.page_message(
                view.incident, page, view.names, self.reader(slack, view), slack.settings.catalog
            )
            posted = slack.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, metadata=slack.attempt.metadata()
            )
            ts = str(posted["ts"])
        after = slack.settings.page_escalate_after.total_seconds()
        return PageSent(page_id=self.page_id, channel=channel, ts=ts, escalate_after_seconds=after)
