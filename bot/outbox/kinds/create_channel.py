"""channel.create: the incident's channel, created, or ours of that name adopted after a crash.

Private or public as the incident was when the send began: `/incident private` can come while
Slack is still making a public one (the command then finds no channel). So when the channel is
recorded, a public one for an incident private by then is not left so: its move to a new private
channel is queued in the same transaction (`Sending.move_out`), as the offer's button queues it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.domain.incident import Incident
from bot.outbox.effect import CHANNEL_LANE, Effect, MoveOut, Sending
from bot.outbox.failures import GiveUp
from bot.outbox.results import Nothing, Result
from bot.outbox.slack_calls import error_code, find_channel
from bot.outbox.view import IncidentView
from bot.render.channels import channel_name
from bot.storage import repository

log = logging.getLogger(__name__)

NAME_TRIES = 50
ADOPT_SKEW_SECONDS = 60  # Slack's clock against ours, when telling a channel made for this incident


@dataclass(frozen=True)
class ChannelCreated(Result):
    """The incident's channel, created, or ours of that name adopted after a crash."""

    channel_id: str
    name: str
    adopted: bool = False
    private: bool = False
    move_out: MoveOut | None = field(default=None, compare=False, repr=False)  # `Sending.move_out`

    def remember(self, session: Session, incident_id: int | None) -> None:
        if incident_id is None:
            return
        recorded = repository.set_channel(
            session=session,
            incident_id=incident_id,
            channel_id=self.channel_id,
            channel_name=self.name,
            private=self.private,
        )
        if not recorded:  # ours, but another incident's (an incident of that number in another workspace)
            log.warning("channel %s (#%s) is another incident's: not adopted", self.channel_id, self.name)
        elif not self.private and self.move_out is not None:  # made private while Slack made it public?
            self.move_out(session, incident_id, self.channel_id)

    def outcome(self) -> str | None:
        return "adopted" if self.adopted else None

    def completes(self, view: IncidentView) -> IncidentView | None:
        """The card read while the channel was created, in it. Not for one adopted after a crash:
        it may be another incident's (`remember` finds out)."""
        if self.adopted:
            return None
        incident = replace(view.incident, channel_id=self.channel_id, channel_private=self.private)
        return replace(view, incident=incident, channel_name=self.name)


@dataclass(frozen=True)
class CreateChannel(Effect):
    """Create `inc-<n>-<slug>` (or adopt ours of that name, after a crash); private for a private incident."""

    kind: ClassVar[str] = "channel.create"
    lane: ClassVar[str | None] = CHANNEL_LANE

    def send(self, slack: Sending) -> ChannelCreated | Nothing:
        incident = slack.about().incident
        if incident.channel_id is not None:
            return Nothing(note="channel exists")
        for attempt in range(1, NAME_TRIES):
            name = channel_name(incident.number, incident.title, attempt)
            try:
                created = slack.client.conversations_create(name=name, is_private=incident.private)
                private = bool(created["channel"].get("is_private", incident.private))
                channel_id = created["channel"]["id"]
                return ChannelCreated(channel_id=channel_id, name=name, private=private, move_out=slack.move_out)
            except SlackApiError as error:
                if error_code(error) != "name_taken":
                    raise
            existing = find_channel(slack.client, name)
            if existing is not None and _ours_for(incident, existing, slack.bot_user_id()):
                if not existing.get("is_member"):
                    slack.client.conversations_join(channel=existing["id"])
                private = bool(existing.get("is_private"))
                return ChannelCreated(
                    channel_id=existing["id"], name=name, adopted=True, private=private, move_out=slack.move_out
                )
        raise GiveUp(f"no free channel name for {incident.name}")


def _ours_for(incident: Incident, channel: dict[str, Any], bot_user_id: str) -> bool:
    """The bot created it, since the incident was opened: the channel a crash kept it from
    recording. One created earlier is another incident's (the same number in another workspace)."""
    created = channel.get("created")
    since = incident.opened_at.timestamp() - ADOPT_SKEW_SECONDS
    return channel.get("creator") == bot_user_id and isinstance(created, int) and created >= since
