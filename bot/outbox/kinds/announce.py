"""announce: an opening, close or reopening in INCIDENT_ANNOUNCE_CHANNEL (`entry_id` says which);
never for a private incident (private when it is sent). Its message is remembered (`Announced`), so
that making the incident private can withdraw it (`public.withdraw`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sqlmodel import Session

from bot.domain.durations import short
from bot.domain.incident import EntryKind
from bot.outbox.effect import CHANNEL_LANE, Effect, Sending
from bot.outbox.results import Nothing, Result
from bot.outbox.slack_calls import post_joining, posted_before
from bot.render import blocks
from bot.render.text import section
from bot.storage import announcements


@dataclass(frozen=True)
class Announced(Result):
    """The announcement's message."""

    channel: str
    ts: str

    def remember(self, session: Session, incident_id: int | None) -> None:
        if incident_id is not None:
            announcements.record(session=session, incident_id=incident_id, channel_id=self.channel, ts=self.ts)


@dataclass(frozen=True)
class Announce(Effect):
    kind: ClassVar[str] = "announce"
    lane: ClassVar[str | None] = "announce"
    after: ClassVar[str | None] = CHANNEL_LANE  # it links to the channel
    entry_id: int

    def send(self, slack: Sending) -> Result:
        view = slack.about()
        target = slack.settings.announce_channel
        if target is None:
            return Nothing(note="no INCIDENT_ANNOUNCE_CHANNEL")
        if view.incident.private:  # docs/behaviour.md, Private incidents: never announced
            return Nothing(note="private incident")
        found = posted_before(slack.client, target, slack.attempt).ts(slack.attempt.effect_id)
        if found is not None:
            return Announced(target, found)
        incident = view.incident
        if view.entry is not None and view.entry.kind is EntryKind.REOPENED:
            text = blocks.reopened_announcement(incident, incident.channel_id, view.names)
        else:
            total = short(view.durations.total) if view.durations else None
            text = blocks.announcement(incident, incident.channel_id, view.names, total=total)
        ts = post_joining(slack.client, target, blocks=[section(text)], text=text, metadata=slack.attempt.metadata())
        return Announced(target, ts)
