"""The catalog components an incident affects (docs/behaviour.md, Components): `/incident
affects`, and what a resolution or a reopening does to them. Each change is a `components`
timeline entry and the impacts it changes (bot.storage.catalog), in the change's transaction."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import changes
from bot.clock import Clock, when
from bot.deadlines import Cadences
from bot.domain import affects
from bot.domain.catalog import Catalog, ComponentState
from bot.domain.incident import EntryKind, Status, TimelineEntry
from bot.lookup import Where, locate
from bot.storage import catalog, repository
from bot.storage.db import Database
from bot.storage.repository import StoredIncident


class ComponentChanges:
    """IncidentService's `affect`, here beside the rest of what incidents do to components; the
    service gives it its database, clock, zone, catalog, languages and cadences."""

    db: Database
    clock: Clock
    zone: ZoneInfo
    catalog: Catalog
    languages: tuple[str, ...]
    cadences: Cadences

    def affect(
        self, where: Where, *, actor: str, component: str, state: ComponentState | None, at: str | None = None
    ) -> changes.Changed:
        """`/incident affects`: the catalog component named (an id or a name) is in `state` from
        `at` (now by default) because of this incident (docs/behaviour.md, Components); refused,
        saying what to write, when no state ended the command (None)."""
        if state is None:
            raise affects.without_state(self.catalog, component)
        with self.db.write() as session:
            stored = locate(session, where)
            now = self.clock()  # read once the row lock is held
            impacts = catalog.impacts(session=session, incident_id=stored.id)
            entry = affects.affect(
                stored.incident,
                impacts,
                affects.named(self.catalog, component, impacts, state),
                state,
                language=self.languages[0],
                actor=actor,
                at=when(at, now, self.zone),
                now=now,
                zone=self.zone,
            )
            catalog.record(
                session=session, incident_id=stored.id, changes=affects.read_changes(entry), at=entry.at, now=now
            )
            return changes.record(session, stored, stored.incident, entry, now, self.cadences)


def components_following(
    session: Session,
    stored: StoredIncident,
    entry: TimelineEntry,
    now: datetime,
    *,
    components: Catalog,
    language: str,
    zone: ZoneInfo,
) -> TimelineEntry | None:
    """What the change `entry` records (a resolution or a reopening) does to the components the
    incident affects: returned to operational at the resolved time, or back as they were from the
    reopening on; None when it does nothing to them."""
    if entry.status_to is Status.RESOLVED and stored.incident.status.is_open:
        return affects.at_resolution(
            stored.incident,
            catalog.impacts(session=session, incident_id=stored.id),
            components,
            language=language,
            actor=entry.actor,
            at=entry.at,
            now=now,
            zone=zone,
        )
    if entry.kind is EntryKind.REOPENED and stored.incident.resolved_at is not None:
        return affects.at_reopening(
            catalog.impacts(session=session, incident_id=stored.id),
            components,
            resolved_at=stored.incident.resolved_at,
            language=language,
            actor=entry.actor,
            now=now,
        )
    return None


def store_components(
    session: Session, incident_id: int, entry: TimelineEntry, now: datetime, *, resolution: bool = False
) -> int:
    """Store a `components` entry and the impacts it changes (`resolution`: the incident's
    resolution ended them); the entry's id."""
    catalog.record(
        session=session,
        incident_id=incident_id,
        changes=affects.read_changes(entry),
        at=entry.at,
        now=now,
        resolution=resolution,
    )
    return repository.add_entry(session=session, incident_id=incident_id, entry=entry)
