"""A note's statements (`bot.notes`), run on the pooled connection's own DB-API connection
(`bot.storage.driver_sql`): the note is the most frequent command, and SQLAlchemy's Session and
Connection cost it more than the database did (BENCHMARKS.md, issue 26).

Each backend its cheapest way to the same rows:

- PostgreSQL, two statements outside any transaction (`Database.driver_autocommit`): the incident
  with an id drawn for its entry (`with_next_entry_id`), then the entry and the outbox row that
  posts it in one `INSERT ... WITH` (`add_entry_with_effect`), atomic by itself;
- SQLite, one write transaction (`Database.driver_write`: `BEGIN IMMEDIATE`, `COMMIT`): the
  incident (`incident`), the entry (`add_entry`), its outbox row (`add_effect`).

The statements are the Core statements the rest of the code would send, on the same tables; the
incident is read into the same `StoredIncident` as `repository` reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Table, bindparam, func, insert
from sqlmodel import col

from bot.domain.incident import TimelineEntry
from bot.storage import repository
from bot.storage.driver_sql import Driver, DriverStatement
from bot.storage.effect_tables import EffectRow
from bot.storage.repository import StoredIncident
from bot.storage.sql import bound
from bot.storage.tables import IncidentRow, TimelineRow

_INCIDENTS: Table = IncidentRow.__table__  # type: ignore[attr-defined]
_BY_NUMBER = _INCIDENTS.select().where(
    _INCIDENTS.c.team_id == bindparam("team_id"), _INCIDENTS.c.number == bindparam("number")
)
_BY_CHANNEL = _INCIDENTS.select().where(_INCIDENTS.c.channel_id == bindparam("channel_id"))
_NUMBER, _CHANNEL = ("team_id", "number"), ("channel_id",)
_ENTRY_COLUMNS = tuple("incident_id at recorded_at actor kind text status_from status_to source link".split())

# SQLite
_INCIDENT = (
    DriverStatement(_BY_NUMBER, _NUMBER, backend="sqlite"),
    DriverStatement(_BY_CHANNEL, _CHANNEL, backend="sqlite"),
)
_ADD_ENTRY = DriverStatement(
    insert(TimelineRow).returning(col(TimelineRow.id)), _ENTRY_COLUMNS, backend="sqlite", column_keys=True
)
_EFFECT_COLUMNS = tuple("incident_id team_id alert_group_id kind lane after_lane payload state attempts".split())
_EFFECT_COLUMNS += ("created_at", "not_before", "expires_at")
_ADD_EFFECT = DriverStatement(insert(EffectRow), _EFFECT_COLUMNS, backend="sqlite", column_keys=True)

# PostgreSQL
_NEXT_ENTRY_ID = func.nextval(func.pg_get_serial_sequence(TimelineRow.__tablename__, "id")).label("next_entry_id")
_WITH_NEXT_ENTRY_ID = (
    DriverStatement(_BY_NUMBER.add_columns(_NEXT_ENTRY_ID), _NUMBER, backend="postgresql"),
    DriverStatement(_BY_CHANNEL.add_columns(_NEXT_ENTRY_ID), _CHANNEL, backend="postgresql"),
)
_CTE_ENTRY = ("id", *_ENTRY_COLUMNS)
_CTE_EFFECT = tuple(name for name in _EFFECT_COLUMNS if name != "alert_group_id")
_ADD_ENTRY_WITH_EFFECT = DriverStatement(
    insert(EffectRow)
    .values(bound(EffectRow, _CTE_EFFECT, "effect_"))
    .add_cte(insert(TimelineRow).values(bound(TimelineRow, _CTE_ENTRY, "entry_")).cte("added")),
    tuple(f"entry_{name}" for name in _CTE_ENTRY) + tuple(f"effect_{name}" for name in _CTE_EFFECT),
    backend="postgresql",
)


def _lookup(team_id: str, number: int | None, channel_id: str | None) -> tuple[int, dict[str, Any]]:
    """Which statement of a pair (by number, else by channel) and its values."""
    if number is not None:
        return 0, {"team_id": team_id, "number": number}
    return 1, {"channel_id": channel_id}


def incident(driver: Driver, *, team_id: str, number: int | None, channel_id: str | None) -> StoredIncident | None:
    """SQLite: the incident by number (else by channel), as `repository.get_by_number` reads it;
    None when there is none."""
    which, values = _lookup(team_id, number, channel_id)
    rows = _INCIDENT[which].run(driver, values)
    return repository.stored_incident(SimpleNamespace(**rows[0])) if rows else None


def add_entry(driver: Driver, *, incident_id: int, entry: TimelineEntry) -> int:
    """SQLite: the entry; its id."""
    (added,) = _ADD_ENTRY.run(driver, repository.entry_values(incident_id, entry))
    return int(added["id"])


def add_effect(driver: Driver, *, effect: Mapping[str, Any]) -> None:
    """SQLite: an outbox row, as `bot.outbox.store.row` made it (with its incident's `team_id`)."""
    _ADD_EFFECT.run(driver, {name: effect[name] for name in _EFFECT_COLUMNS})


def with_next_entry_id(
    driver: Driver, *, team_id: str, number: int | None, channel_id: str | None
) -> tuple[StoredIncident, int] | None:
    """PostgreSQL: the incident by number (else by channel) and an id drawn for its next timeline
    entry, in one statement; None when there is no such incident."""
    which, values = _lookup(team_id, number, channel_id)
    rows = _WITH_NEXT_ENTRY_ID[which].run(driver, values)
    if not rows:
        return None
    return repository.stored_incident(SimpleNamespace(**rows[0])), int(rows[0]["next_entry_id"])


def add_entry_with_effect(
    driver: Driver, *, entry_id: int, incident_id: int, entry: TimelineEntry, effect: Mapping[str, Any]
) -> None:
    """PostgreSQL: the entry (with the id `with_next_entry_id` drew) and the outbox row that posts
    it, in one statement: atomic by itself, so no BEGIN or COMMIT round trip."""
    values = {f"entry_{name}": value for name, value in repository.entry_values(incident_id, entry).items()}
    values["entry_id"] = entry_id
    values.update({f"effect_{name}": effect[name] for name in _CTE_EFFECT})
    _ADD_ENTRY_WITH_EFFECT.run(driver, values)
