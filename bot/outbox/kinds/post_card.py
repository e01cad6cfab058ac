"""card.post: post and pin the incident's card."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sqlmodel import Session

from bot.outbox.effect import CARD_LANE, CHANNEL_LANE, Effect, Sending, fallback
from bot.outbox.results import Result
from bot.outbox.slack_calls import posted_before, tolerate
from bot.render import blocks
from bot.storage import repository


@dataclass(frozen=True)
class CardPosted(Result):
    ts: str

    def remember(self, session: Session, incident_id: int | None) -> None:
        if incident_id is not None:
            repository.set_card(session=session, incident_id=incident_id, card_ts=self.ts)


@dataclass(frozen=True)
class PostCard(Effect):
    kind: ClassVar[str] = "card.post"
    shows_on_home: ClassVar[bool] = True  # the App Home lists the incident, its status and next update due
    shows_card: ClassVar[bool] = True  # the view reads related incidents and follow-ups
    lane: ClassVar[str | None] = CARD_LANE
    after: ClassVar[str | None] = CHANNEL_LANE
    read_first: ClassVar[bool] = True  # what the person who opened the incident waits for

    def send(self, slack: Sending) -> CardPosted:
        view = slack.about()
        channel = slack.channel()
        card_ts = view.card_ts
        if card_ts is None:
            card_ts = posted_before(slack.client, channel, slack.attempt).ts(slack.attempt.effect_id)
        if card_ts is None:
            card = blocks.card(
                view.incident,
                view.names,
                slack.settings.zone,
                related=view.related,
                follow_ups=view.follow_ups,
                impacts=view.impacts,
                catalog=slack.settings.catalog,
                language=slack.settings.languages[0],
                pages=view.pages,
                alerts=view.alerts,
            )
            posted = slack.client.chat_postMessage(
                channel=channel, blocks=card, text=fallback(view.incident), metadata=slack.attempt.metadata()
            )
            card_ts = str(posted["ts"])
        if view.card_ts is None:
            slack.progress(CardPosted(ts=card_ts))  # written beside the pin, before the send ends
        tolerate(slack.client.pins_add, channel=channel, timestamp=card_ts)
        return CardPosted(ts=card_ts)
