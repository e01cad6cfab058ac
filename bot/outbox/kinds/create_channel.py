"""channel.create: the incident's channel, created, or ours of that name adopted after a crash."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.outbox.effect import Effect, Sending
from bot.outbox.failures import GiveUp
from bot.outbox.results import Nothing, Result
from bot.outbox.slack_calls import error_code, find_channel
from bot.render.channels import channel_name
from bot.storage import repository

NAME_TRIES = 50


@dataclass(frozen=True)
class ChannelCreated(Result):
    """The incident's channel, created, or ours of that name adopted after a crash."""

    channel_id: str
    name: str
    adopted: bool = False

    def remember(self, session: Session, incident_id: int | None) -> None:
        if incident_id is not None:
            repository.set_channel(
                session=session, incident_id=incident_id, channel_id=self.channel_id, channel_name=self.name
            )

    def outcome(self) -> str | None:
        return "adopted" if self.adopted else None


@dataclass(frozen=True)
class CreateChannel(Effect):
    """Create `inc-<n>-<slug>` (or adopt ours of that name, after a crash); private for a private incident."""

    kind: ClassVar[str] = "channel.create"

    def send(self, slack: Sending) -> ChannelCreated | Nothing:
        incident = slack.about().incident
        if incident.channel_id is not None:
            return Nothing(note="channel exists")
        for attempt in range(1, NAME_TRIES):
            name = channel_name(incident.number, incident.title, attempt)
            try:
                created = slack.client.conversations_create(name=name, is_private=incident.private)
                return ChannelCreated(channel_id=created["channel"]["id"], name=name)
            except SlackApiError as error:
                if error_code(error) != "name_taken":
                    raise
            existing = find_channel(slack.client, name)
            if existing is not None and existing.get("creator") == slack.bot_user_id():
                if not existing.get("is_member"):
                    slack.client.conversations_join(channel=existing["id"])
                return ChannelCreated(channel_id=existing["id"], name=name, adopted=True)
        raise GiveUp(f"no free channel name for {incident.name}")
