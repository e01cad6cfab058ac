"""alerts.offers: the rest of the waiting triage messages to edit once *Add to incident* offers
something else (docs/behaviour.md, Alerts). It calls no Slack.

An incident opened, resolved, reopened, made private or public changes what *Add to incident*
offers. The transaction of that change queues the edits of the `OFFER_REFRESH` most recently seen
waiting messages (`bot.alerts.message.show_open_groups`) and, when there may be more, this effect
in the queue of the last of them (`alert_group_id`): it goes once that group's edit went, the edits
having kept the alert channel's pace, and its result (`OffersLeft`) has the sender's process queue
the next ones the same way (`bot.runtime`), until none is left: in the transaction that queues them,
this effect is settled, so sent again after a crash before it was recorded done, it queues nothing
twice and the chain stays one (`AlertTriage.edit_more`). So every waiting message stops
offering a private incident's title, the most recently seen first, at the channel's pace, while
each change costs a bounded transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from bot.outbox.effect import Effect, Sending
from bot.outbox.results import Result


@dataclass(frozen=True)
class OffersLeft(Result):
    """The waiting messages of workspace `team_id` seen before (`seen_before`, `group_before`) are
    the next to edit, once: by the transaction that settles `effect_id`, the effect that said so."""

    team_id: str
    seen_before: datetime
    group_before: int
    effect_id: int

    def outcome(self) -> str | None:
        return f"the waiting messages seen before group {self.group_before} are next"


@dataclass(frozen=True)
class RefreshOffers(Effect):
    kind: ClassVar[str] = "alerts.offers"
    reads_incident: ClassVar[bool] = False
    alert_group_id: int  # the last group whose message was edited: queued behind its edit
    team_id: str
    seen_before: str  # when that group was last seen (ISO 8601), as the groups were ordered

    def send(self, slack: Sending) -> Result:
        seen_before = datetime.fromisoformat(self.seen_before)
        return OffersLeft(self.team_id, seen_before, self.alert_group_id, slack.attempt.effect_id)
