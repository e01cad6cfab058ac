"""SQLite's note, the most frequent command, on the driver's own connection (`Database.driver_write`).

On SQLite a note is `BEGIN IMMEDIATE`, the incident, its entry, the entry's outbox row, `COMMIT`.
Through SQLAlchemy's Session and Connection those cost a request thread about 0.3 ms of CPU, several
times what sqlite3 itself spends on them, and all of it inside SQLite's one write lock
(BENCHMARKS.md, "Issue 26: SQLite's note on the driver's connection"). Here they run on the pooled
connection's sqlite3 connection: SQL compiled once, at import, from the same Core statements and
tables the rest of the code uses, with the columns' own types converting values both ways (aware
UTC datetimes are stored exactly as SQLAlchemy stores them, so every other reader finds them).
Everything else on SQLite still goes through SQLAlchemy; PostgreSQL's note is `repository`'s two
statements.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Table, bindparam, insert
from sqlalchemy.dialects import sqlite
from sqlalchemy.sql import ClauseElement
from sqlmodel import col

from bot.domain.incident import TimelineEntry
from bot.storage import repository
from bot.storage.repository import StoredIncident
from bot.storage.tables import EffectRow, IncidentRow, TimelineRow

_DIALECT = sqlite.dialect(paramstyle="named")  # pysqlite takes `:name` parameters from a dict
_INCIDENTS: Table = IncidentRow.__table__  # type: ignore[attr-defined]
_ENTRIES: Table = TimelineRow.__table__  # type: ignore[attr-defined]
_EFFECTS: Table = EffectRow.__table__  # type: ignore[attr-defined]
Processors = dict[str, Callable[[Any], Any]]


def _binds(table: Table, names: tuple[str, ...]) -> Processors:
    """How each column's type writes a value (a datetime as SQLAlchemy's text; the rest as it is)."""
    found = {name: table.c[name].type.dialect_impl(_DIALECT).bind_processor(_DIALECT) for name in names}
    return {name: process for name, process in found.items() if process is not None}


def _results(table: Table) -> Processors:
    found = {
        column.name: column.type.dialect_impl(_DIALECT).result_processor(_DIALECT, None) for column in table.columns
    }
    return {name: process for name, process in found.items() if process is not None}


def _sql(statement: ClauseElement, columns: tuple[str, ...] = ()) -> str:
    return str(statement.compile(dialect=_DIALECT, column_keys=list(columns) or None))


_BY_NUMBER = _sql(
    _INCIDENTS.select().where(_INCIDENTS.c.team_id == bindparam("team_id"), _INCIDENTS.c.number == bindparam("number"))
)
_BY_CHANNEL = _sql(_INCIDENTS.select().where(_INCIDENTS.c.channel_id == bindparam("channel_id")))
_READ = _results(_INCIDENTS)
_ENTRY_COLUMNS = tuple("incident_id at recorded_at actor kind text status_from status_to source link".split())
_ADD_ENTRY = _sql(insert(TimelineRow).returning(col(TimelineRow.id)), _ENTRY_COLUMNS)
_ENTRY_BINDS = _binds(_ENTRIES, _ENTRY_COLUMNS)
_EFFECT_COLUMNS = tuple("incident_id team_id alert_group_id kind lane after_lane payload state attempts".split())
_EFFECT_COLUMNS += ("created_at", "not_before", "expires_at")
_ADD_EFFECT = _sql(insert(EffectRow), _EFFECT_COLUMNS)
_EFFECT_BINDS = _binds(_EFFECTS, _EFFECT_COLUMNS)


def _bound(values: Mapping[str, Any], binds: Processors) -> dict[str, Any]:
    return {name: binds[name](value) if name in binds else value for name, value in values.items()}


def incident(
    connection: sqlite3.Connection, *, team_id: str, number: int | None, channel_id: str | None
) -> StoredIncident | None:
    """The incident by number (else by channel), as `repository.get_by_number` reads it; None when
    there is none."""
    if number is not None:
        cursor = connection.execute(_BY_NUMBER, {"team_id": team_id, "number": number})
    else:
        cursor = connection.execute(_BY_CHANNEL, {"channel_id": channel_id})
    rows = cursor.fetchall()
    if not rows:
        return None
    names = [column[0] for column in cursor.description]
    values = {name: _READ[name](value) if name in _READ else value for name, value in zip(names, rows[0], strict=True)}
    return repository.stored_incident(SimpleNamespace(**values))


def add_entry(connection: sqlite3.Connection, *, incident_id: int, entry: TimelineEntry) -> int:
    """The entry; its id."""
    values = _bound(repository.entry_values(incident_id, entry), _ENTRY_BINDS)
    (entry_id,) = connection.execute(_ADD_ENTRY, values).fetchall()[0]
    return int(entry_id)


def add_effect(connection: sqlite3.Connection, *, effect: Mapping[str, Any]) -> None:
    """An outbox row, as `bot.outbox.store.row` made it (with its incident's `team_id`)."""
    connection.execute(_ADD_EFFECT, _bound({name: effect[name] for name in _EFFECT_COLUMNS}, _EFFECT_BINDS))
