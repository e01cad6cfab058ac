"""Slack messages copied into an incident's timeline (docs/behaviour.md, In Slack): a :pushpin:
asks for the message to be fetched after the ack, and a fetched message or one the *Add to
timeline* shortcut sends joins the timeline at its original time, once."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.changes import Changed
from bot.clock import Clock
from bot.domain.incident import add_message
from bot.errors import NotFound
from bot.outbox import store
from bot.outbox.kinds.acknowledge_message import AcknowledgeMessage
from bot.outbox.kinds.fetch_message import FetchMessage
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
        incident channel, or the message is already on the timeline.
        """
        now = self.clock()
        with self.db.write() as session:
            stored = repository.get_by_channel(session=session, channel_id=channel_id)
            if stored is None or repository.has_source(
                session=session, incident_id=stored.id, source=f"{channel_id}/{ts}"
            ):
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
        posted_at = datetime.fromtimestamp(float(message_ts), UTC)
        with self.db.write() as session:
            stored = repository.get_by_channel(session=session, channel_id=channel_id, for_update=True)
            if stored is None:
                raise NotFound("This is not an incident channel: only its own messages can join its timeline.")
            source = f"{channel_id}/{message_ts}"
            if repository.has_source(session=session, incident_id=stored.id, source=source):
                return None
            entry = add_message(stored.incident, text=text, author=author, posted_at=posted_at, now=now, source=source)
            entry_id = repository.add_entry(session=session, incident_id=stored.id, entry=entry)
            if bot_name:
                bot = Member(user_id=author, team_id=stored.team_id, display_name=bot_name, real_name="", is_bot=True)
                members.put(session=session, members=[bot], learned_at=now)
            acknowledge = AcknowledgeMessage(entry_id=entry_id, ts=message_ts, user=added_by)
            store.enqueue(session=session, incident_id=stored.id, effect=acknowledge, now=now)
            return Changed(incident=stored.incident, entry=entry)
