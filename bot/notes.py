"""A note (`/incident note`), the most frequent command: a timeline entry and its line in the
channel (an outbox row). The incident itself is neither written nor locked, so notes to one
incident never wait for each other, nor for a change holding the incident's row lock.

Both backends run the note on the pooled connection's own driver connection, with statements
compiled once from the same Core statements and tables (`bot.storage.note_sql`,
`bot.storage.driver_sql`): SQLAlchemy's Session and Connection cost a note more than the
database did (BENCHMARKS.md, issue 26). Each takes its cheapest way to the same rows: PostgreSQL
two statements outside any transaction (the incident with an id drawn for its entry, then the
entry and its outbox row in one `INSERT ... WITH`), SQLite one short write transaction."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.changes import Changed
from bot.clock import Clock, when
from bot.domain.incident import TimelineEntry, add_note
from bot.errors import NotFound
from bot.lookup import Where, check_involved, missing_in, not_found
from bot.outbox import store
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.storage import note_sql
from bot.storage.db import Database
from bot.storage.repository import StoredIncident


class Notes:
    """IncidentService's notes; the service gives it its database, clock and zone."""

    db: Database
    clock: Clock
    zone: ZoneInfo

    def note(self, where: Where, *, actor: str, text: str, at: str | None = None) -> Changed:
        """A timeline entry and its line in the channel (the card shows no notes: it stays as it is)."""
        try:
            if not self.db.is_sqlite:
                return self._note_in_two_statements(where, actor=actor, text=text, at=at)
            return self._note_on_sqlite(where, actor=actor, text=text, at=at)
        except NotFound:
            if where.number is not None:
                raise
            raise missing_in(self.db, where) from None  # once the write is over: a channel an incident left says so

    def _note_on_sqlite(self, where: Where, *, actor: str, text: str, at: str | None) -> Changed:
        with self.db.driver_write() as driver:
            stored = note_sql.incident(driver, team_id=where.team_id, number=where.number, channel_id=where.channel_id)
            if stored is None:
                raise not_found(where)
            now, entry = self._entry(stored, where, actor=actor, text=text, at=at)
            entry_id = note_sql.add_entry(driver, incident_id=stored.id, entry=entry)
            post = PostTimeline(entry_id=entry_id)
            note_sql.add_effect(
                driver, effect=store.row(incident_id=stored.id, team_id=stored.team_id, effect=post, now=now)
            )
        return Changed(incident=stored.incident, entry=entry)

    def _note_in_two_statements(self, where: Where, *, actor: str, text: str, at: str | None) -> Changed:
        """PostgreSQL's `note` in two round trips and no transaction: the incident with an id drawn
        for its entry, then the entry and the outbox row that posts it in one statement. A note
        locks nothing, so reading outside the insert's statement is what the transaction gave too
        (READ COMMITTED): the same result, three round trips fewer."""
        with self.db.driver_autocommit() as driver:
            found = note_sql.with_next_entry_id(
                driver, team_id=where.team_id, number=where.number, channel_id=where.channel_id
            )
            if found is None:
                raise not_found(where)
            stored, entry_id = found
            now, entry = self._entry(stored, where, actor=actor, text=text, at=at)
            post = store.row(
                incident_id=stored.id, team_id=stored.team_id, effect=PostTimeline(entry_id=entry_id), now=now
            )
            note_sql.add_entry_with_effect(driver, entry_id=entry_id, incident_id=stored.id, entry=entry, effect=post)
        return Changed(incident=stored.incident, entry=entry)

    def _entry(
        self, stored: StoredIncident, where: Where, *, actor: str, text: str, at: str | None
    ) -> tuple[datetime, TimelineEntry]:
        """The note's entry, once the incident is found and involves who asks where; the time now."""
        check_involved(stored.incident, where)
        now = self.clock()
        entry = add_note(stored.incident, text=text, actor=actor, at=when(at, now, self.zone), now=now, zone=self.zone)
        return now, entry
