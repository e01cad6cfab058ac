"""card.update: the card as the incident is when sent; durations as they stood at `entry_id` (a close)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bot.domain.durations import short
from bot.outbox.effect import CARD_LANE, CHANNEL_LANE, Effect, Sending, fallback
from bot.outbox.results import Nothing
from bot.render import blocks


@dataclass(frozen=True)
class UpdateCard(Effect):
    kind: ClassVar[str] = "card.update"
    shows_on_home: ClassVar[bool] = True  # the App Home lists the incident, its status and next update due
    shows_card: ClassVar[bool] = True  # the view reads related incidents and follow-ups
    superseded_by_later: ClassVar[bool] = True
    lane: ClassVar[str | None] = CARD_LANE  # after the card, and each update after the one before
    after: ClassVar[str | None] = CHANNEL_LANE
    entry_id: int | None = None

    def send(self, slack: Sending) -> Nothing:
        view = slack.about()
        channel = slack.channel()
        if view.card_ts is None:
            return Nothing(note="no card yet")
        total = short(view.durations.total) if view.durations else None
        card = blocks.card(
            view.incident,
            view.names,
            slack.settings.zone,
            total=total,
            related=view.related,
            follow_ups=view.follow_ups,
            impacts=view.impacts,
            catalog=slack.settings.catalog,
            language=slack.settings.languages[0],
            pages=view.pages,
            alerts=view.alerts,
        )
        slack.client.chat_update(channel=channel, ts=view.card_ts, blocks=card, text=fallback(view.incident))
        return Nothing()
