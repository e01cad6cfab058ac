"""A note (`/incident note`), the most frequent command: a timeline entry and its line in the
channel (an outbox row). The incident itself is neither written nor locked, so notes to one
incident never wait for each other, nor for a change holding the incident's row lock.

Each backend takes its cheapest path to the same rows (BENCHMARKS.md, issue 26): PostgreSQL two
statements outside any transaction, SQLite one short write transaction on the driver's own
connection (`bot.storage.sqlite_note`)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.changes import Changed
from bot.clock import Clock, when
from bot.domain.incident import add_note
from bot.lookup import Where, check_involved, not_found
from bot.outbox import store
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.storage import repository, sqlite_note
from bot.storage.db import Database


class Notes:
    """IncidentService's notes; the service gives it its database, clock and zone."""

    db: Database
    clock: Clock
    zone: ZoneInfo

    def note(self, where: Where, *, actor: str, text: str, at: str | None = None) -> Changed:
        """A timeline entry and its line in the channel (the card shows no notes: it stays as it is)."""
        if not self.db.is_sqlite:
            return self._note_in_two_statements(where, actor=actor, text=text, at=at)
        with self.db.driver_write() as connection:
            stored = sqlite_note.incident(
                connection, team_id=where.team_id, number=where.number, channel_id=where.channel_id
            )
            if stored is None:
                raise not_found(where)
            check_involved(stored.incident, where)
            now = self.clock()
            entry = add_note(
                stored.incident, text=text, actor=actor, at=when(at, now, self.zone), now=now, zone=self.zone
            )
            entry_id = sqlite_note.add_entry(connection, incident_id=stored.id, entry=entry)
            post = PostTimeline(entry_id=entry_id)
            sqlite_note.add_effect(
                connection, effect=store.row(incident_id=stored.id, team_id=stored.team_id, effect=post, now=now)
            )
        return Changed(incident=stored.incident, entry=entry)

    def _note_in_two_statements(self, where: Where, *, actor: str, text: str, at: str | None) -> Changed:
        """PostgreSQL's `note` in two round trips and no transaction: the incident with an id drawn
        for its entry, then the entry and the outbox row that posts it in one statement. A note
        locks nothing, so reading outside the insert's statement is what the transaction gave too
        (READ COMMITTED): the same result, three round trips fewer."""
        with self.db.autocommit() as connection:
            found = repository.with_next_entry_id(
                connection, team_id=where.team_id, number=where.number, channel_id=where.channel_id
            )
            if found is None:
                raise not_found(where)
            stored, entry_id = found
            check_involved(stored.incident, where)
            now = self.clock()
            entry = add_note(
                stored.incident, text=text, actor=actor, at=when(at, now, self.zone), now=now, zone=self.zone
            )
            post = store.row(
                incident_id=stored.id, team_id=stored.team_id, effect=PostTimeline(entry_id=entry_id), now=now
            )
            repository.add_entry_with_effect(
                connection, entry_id=entry_id, incident_id=stored.id, entry=entry, effect=post
            )
        return Changed(incident=stored.incident, entry=entry)
