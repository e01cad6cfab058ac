"""What the bot reads of incidents without changing them: the list, a timeline with its
durations, one incident, the names a timeline shows, whether a channel is an incident's, and the
outbox's counts for /metrics. Each is one read transaction; a private incident is read only by
its people and in its own channel (bot.domain.visibility)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.domain import durations
from bot.domain.durations import Durations
from bot.domain.incident import Incident, TimelineEntry
from bot.domain.visibility import check_visible
from bot.lookup import Where, locate
from bot.outbox import store
from bot.render.people import in_timeline
from bot.storage import left_channels, members, repository
from bot.storage.db import Database


@dataclass(frozen=True)
class Timeline:
    incident: Incident
    entries: list[TimelineEntry]
    durations: Durations


class IncidentReads:
    """IncidentService's reads; the service gives it its database and clock."""

    db: Database
    clock: Clock

    def list_incidents(
        self, *, team_id: str, everything: bool = False, viewer: str | None = None, channel_id: str | None = None
    ) -> list[Incident]:
        """Open (or the 20 most recent) incidents `viewer` may see asking in `channel_id`: private
        ones only to their people and in their channel (bot.domain.visibility); every one for the
        bot's own reads (`viewer=None`)."""
        with self.db.read() as session:
            if everything:
                rows = repository.list_recent(
                    session=session, team_id=team_id, viewer=viewer, channel_id=channel_id, limit=20
                )
            else:
                rows = repository.list_open(session=session, team_id=team_id, viewer=viewer, channel_id=channel_id)
            return [stored.incident for stored in rows]

    def timeline(self, where: Where, *, viewer: str | None = None) -> Timeline:
        """The whole timeline; asked by a person (`viewer`), a private incident's only to its people
        and in its own channel."""
        now = self.clock()
        with self.db.read() as session:
            stored = locate(session, where, lock=False)
            if viewer is not None:
                check_visible(stored.incident, user_id=viewer, channel_id=where.channel_id)
            entries = [item.entry for item in repository.timeline(session=session, incident_id=stored.id)]
        return Timeline(
            incident=stored.incident,
            entries=entries,
            durations=durations.compute(stored.incident, entries, until=now),
        )

    def outbox_counts(self) -> dict[str, int]:
        """Slack work by outbox state (pending, held, dead), for /metrics."""
        with self.db.read() as session:
            return store.count_by_state(session=session)

    def is_incident_channel(self, channel_id: str) -> bool:
        """An incident's channel, or one an incident left for a private one (a :pushpin: there is
        answered: `request_message`)."""
        with self.db.read() as session:
            if repository.get_by_channel(session=session, channel_id=channel_id) is not None:
                return True
            return left_channels.incident_that_left(session=session, channel_id=channel_id) is not None

    def names_for(self, incident: Incident, entries: list[TimelineEntry]) -> dict[str, str]:
        """Display names of everyone the timeline shows, from the users.info cache."""
        with self.db.read() as session:
            return members.names(session=session, user_ids=in_timeline(incident, entries))

    def get(self, where: Where) -> Incident:
        with self.db.read() as session:
            return locate(session, where, lock=False).incident
