"""Slack messages copied into an incident's timeline (docs/behaviour.md, In Slack): a :pushpin:
asks for the message to be fetched after the ack, and a fetched message or one the *Add to
timeline* shortcut sends joins the timeline at its original time, once. An incident declared
from a message starts its timeline with it, copied the same way (`copy_message`, called by
`IncidentService.open`)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.changes import Changed
from bot.clock import Clock
from bot.domain.declared import SourceMessage
from bot.domain.incident import Incident, TimelineEntry, add_message
from bot.errors import NotFound
from bot.lookup import left_behind, that_left
from bot.outbox import store
from bot.outbox.kinds.acknowledge_message import AcknowledgeMessage
from bot.outbox.kinds.fetch_message import FetchMessage
from bot.outbox.kinds.post_direct_notice import PostDirectNotice
from bot.storage import events, members, repository
from bot.storage.db import Database
from bot.storage.members import Member


class MessageCopies:
    """IncidentService's copies of Slack messages; the service gives it its database and clock."""

    db: Database
    clock: Clock

    def request_message(self, *, channel_id: str, ts: str, requested_by: str, event_id: str | None) -> bool:
        """A :pushpin: on a message of an incident channel: fetch it after the ack, then add it.

        False (and nothing written) when the event was already handled, the channel is not an
        incident channel, or the message is already on the timeline. In the public channel a
        private incident left, the person is told that nothing was added (a direct message, once
        per event), and nothing reaches the incident.
        """
        now = self.clock()
        with self.db.write() as session:
            stored = repository.get_by_channel(session=session, channel_id=channel_id)
            if stored is None:
                _tell_left_behind(session, channel_id=channel_id, user=requested_by, event_id=event_id, now=now)
                return False
            if repository.has_source(session=session, incident_id=stored.id, source=f"{channel_id}/{ts}"):
                return False
            if event_id is not None and not events.remember_event(session=session, event_id=event_id, now=now):
                return False
            fetch = FetchMessage(channel=channel_id, ts=ts, user=requested_by)
            store.enqueue(session=session, incident_id=stored.id, effect=fetch, now=now)
            return True

    def add_message(
        self, *, channel_id: str, author: str, text: str, message_ts: str, added_by: str, bot_name: str | None = None
    ) -> Changed | None:
        """Copy a message of an incident channel to its timeline at its original time, once.

        None when that message is already on the timeline. A bot author (an alert integration) is
        remembered under its `bot_name`, so the timeline shows that name instead of an id.
        """
        now = self.clock()
        message = SourceMessage(channel_id=channel_id, ts=message_ts, author=author, text=text, bot_name=bot_name)
        with self.db.write() as session:
            stored = repository.get_by_channel(session=session, channel_id=channel_id, for_update=True)
            if stored is None:
                left = that_left(session, channel_id)
                if left is not None:  # the public channel a private incident left
                    raise NotFound(left_behind(left.incident.name, doing="Not added to the timeline"))
                raise NotFound("This is not an incident channel: only its own messages can join its timeline.")
            if repository.has_source(session=session, incident_id=stored.id, source=message.source):
                return None
            entry_id, entry = copy_message(session, stored.id, stored.incident, stored.team_id, message, now)
            acknowledge = AcknowledgeMessage(entry_id=entry_id, ts=message_ts, user=added_by)
            store.enqueue(session=session, incident_id=stored.id, effect=acknowledge, now=now)
            return Changed(incident=stored.incident, entry=entry)


def copy_message(
    session: Session, incident_id: int, incident: Incident, team_id: str, message: SourceMessage, now: datetime
) -> tuple[int, TimelineEntry]:
    """The message as a timeline entry at its own time (clamped to the incident's start), and the
    entry's id, in the caller's transaction. An integration's message (`bot_name`) remembers its
    author under that name, so the timeline shows the name instead of an id."""
    entry = add_message(
        incident, text=message.text, author=message.author, posted_at=message.posted_at, now=now, source=message.source
    )
    entry_id = repository.add_entry(session=session, incident_id=incident_id, entry=entry)
    if message.bot_name:
        bot = Member(user_id=message.author, team_id=team_id, display_name=message.bot_name, real_name="", is_bot=True)
        members.put(session=session, members=[bot], learned_at=now)
    return entry_id, entry


def _tell_left_behind(session: Session, *, channel_id: str, user: str, event_id: str | None, now: datetime) -> None:
    """A :pushpin: in the public channel an incident left for a private one: its person told, in a
    direct message of no incident's (it waits for no incident's work), that nothing was added."""
    stored = that_left(session, channel_id)
    if stored is None:
        return
    if event_id is not None and not events.remember_event(session=session, event_id=event_id, now=now):
        return  # told already
    text = f":pushpin: In <#{channel_id}>: " + left_behind(stored.incident.name, doing="Not added to the timeline")
    notice = PostDirectNotice(user=user, text=text)
    store.enqueue(session=session, incident_id=None, effect=notice, now=now, team_id=stored.team_id)
