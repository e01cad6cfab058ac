"""What the status page reads of component impacts (`component_impact`, bot.domain.availability),
and when each component first appeared in the catalog (`catalog_component`; `first_appeared`: its
Statuspage `created_at`, read and, the first time, stored in transactions of its own).

Only impacts of incidents the public may read count: listed (a first update published) and not
private. Which components are public is the catalog's business (bot.domain.public.shown_impacts):
every component's impacts are read here and the caller keeps the public ones.

- `of_incidents`: the impacts of the incidents a page or document shows, by
  `ix_component_impact_incident`.
- `in_period`: every public impact that overlaps the days the page shows: those that ended
  since the first day began (`ix_component_impact_ended`, a range) and those that still hold
  (`ix_component_impact_holds`, a partial index), each one's incident looked up: what is read
  grows with what happened in the days shown, never with all of history. SQLite looks the
  incident up by its key. PostgreSQL would hash every listed incident instead (cheaper than
  the lookups while there are few, but growing with all of history), so it is asked for one
  row of `ix_incident_public` per impact (`LATERAL ... LIMIT 1`, a nested loop whatever the
  tables' sizes), read from the index alone. Its estimated cost passes PostgreSQL's
  `jit_above_cost` (~100,000 for the 12,000 impacts of 90 days in bench/status_page.py), and
  compiling the query would take longer than running it (12 ms against 10 here): the read
  runs with `SET LOCAL jit = off`, for its own transaction only.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, text, true, union_all
from sqlmodel import Session, col

from bot.domain.affects import ComponentImpact
from bot.domain.catalog import ComponentState
from bot.storage.db import Database
from bot.storage.sql import core, upsert
from bot.storage.tables import IMPACT_HOLDS, CatalogComponentRow, ComponentImpactRow, IncidentRow

_IMPACT = (
    col(ComponentImpactRow.incident_id),
    col(ComponentImpactRow.component_id),
    col(ComponentImpactRow.state),
    col(ComponentImpactRow.started_at),
    col(ComponentImpactRow.ended_at),
    col(ComponentImpactRow.ended_by_resolution),
)
_PUBLIC = (col(IncidentRow.listed_at).is_not(None), col(IncidentRow.private).is_(False))


def of_incidents(*, session: Session, incident_ids: Iterable[int]) -> dict[int, list[ComponentImpact]]:
    """Each incident's impacts on every component, the oldest first (incidents with none left out)."""
    ids = sorted(set(incident_ids))
    found: dict[int, list[ComponentImpact]] = {}
    if not ids:
        return found
    query = (
        select(*_IMPACT)
        .where(col(ComponentImpactRow.incident_id).in_(ids))
        .order_by(col(ComponentImpactRow.started_at), col(ComponentImpactRow.id))
    )
    for incident_id, *impact in session.connection().execute(query):
        found.setdefault(incident_id, []).append(_impact(impact))
    return found


def in_period(*, session: Session, since: datetime, until: datetime) -> list[ComponentImpact]:
    """Every impact of a listed, public incident that overlaps [since, until)."""
    lateral = session.get_bind().dialect.name == "postgresql"
    if lateral:
        session.execute(text("SET LOCAL jit = off"))
    ended = _public(lateral, col(ComponentImpactRow.ended_at) >= since, col(ComponentImpactRow.started_at) < until)
    holding = _public(lateral, IMPACT_HOLDS, col(ComponentImpactRow.started_at) < until)
    rows = session.connection().execute(union_all(ended, holding)).all()
    return [_impact(row[1:]) for row in rows]


def _public(lateral: bool, *conditions: Any) -> Select[int, str, str, datetime, datetime | None, bool]:
    """The impacts meeting `conditions` whose incident the public may read (`lateral`: each
    incident looked up in ix_incident_public, one row per impact)."""
    if not lateral:
        return (
            select(*_IMPACT)
            .join(IncidentRow, col(IncidentRow.id) == col(ComponentImpactRow.incident_id))
            .where(*conditions, *_PUBLIC)
        )
    readable = (
        select(col(IncidentRow.id))
        .where(col(IncidentRow.id) == col(ComponentImpactRow.incident_id), *_PUBLIC)
        .limit(1)
        .lateral()
    )
    return select(*_IMPACT).select_from(ComponentImpactRow).join(readable, true()).where(*conditions)


_STATE = {state.value: state for state in ComponentState}  # a dict lookup: calling the enum costs more, per impact


def _impact(row: Any) -> ComponentImpact:
    component_id, state, started_at, ended_at, by_resolution = row
    return ComponentImpact(
        component_id=component_id,
        state=_STATE[state],
        started_at=started_at,
        ended_at=ended_at,
        ended_by_resolution=bool(by_resolution),
    )


def added(*, session: Session) -> dict[str, datetime]:
    """When each component id the catalog has ever had first appeared in it, by id."""
    rows = session.execute(select(col(CatalogComponentRow.id), col(CatalogComponentRow.added_at)))
    return {key: at for key, at in rows}


def sync(*, session: Session, ids: Iterable[str], now: datetime) -> dict[str, datetime]:
    """Store the ids not stored yet as added `now` (a stored one keeps its time, whoever else
    stores it meanwhile); then `added`."""
    fresh = [{"id": key, "added_at": now} for key in dict.fromkeys(ids)]
    if fresh:
        core(session).execute(upsert(session)(CatalogComponentRow).on_conflict_do_nothing(), fresh)
    return added(session=session)


def first_appeared(db: Database, ids: Collection[str], now: datetime) -> dict[str, datetime]:
    """When each component first appeared in the catalog, by id: as each start stored it
    (bot.runtime.build), else `now` for one of `ids` no start stored yet (a process whose file
    has it while the web process's did not), stored so that it stays."""
    with db.read() as session:
        found = added(session=session)
    if found.keys() >= set(ids):
        return found
    with db.write() as session:
        return sync(session=session, ids=ids, now=now)
