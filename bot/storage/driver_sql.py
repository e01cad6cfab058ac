"""Statements compiled once for a pooled connection's own DB-API connection (sqlite3, psycopg).

The note, the most frequent command, skips SQLAlchemy's Session and Connection: their machinery
around two to five statements cost a request thread more CPU than the database's own work
(BENCHMARKS.md, issue 26). Its statements are the same Core statements on the same tables,
compiled here once for each backend's dialect (SQLite with named parameters, PostgreSQL for
psycopg, as its engine compiles them), and the values go through the columns' own types both
ways, as SQLAlchemy's execution would: aware UTC datetimes are stored exactly as SQLAlchemy
stores them (text on SQLite, `timestamptz` on PostgreSQL) and read back aware UTC.
`Database.driver_write` and `Database.driver_autocommit` hand out the connection (a `Driver`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy.dialects.postgresql import psycopg
from sqlalchemy.dialects.sqlite import pysqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

DIALECTS: dict[str, Dialect] = {
    "sqlite": pysqlite.dialect(paramstyle="named"),  # sqlite3 takes `:name` parameters from a dict
    "postgresql": psycopg.dialect(),  # type: ignore[no-untyped-call]  # `%(name)s`, as its engine compiles
}
Process = Callable[[Any], Any]


@dataclass(frozen=True)
class Driver:
    """A pooled connection's own DB-API connection, and which backend it speaks to."""

    connection: Any  # sqlite3.Connection or psycopg.Connection
    backend: str  # a key of DIALECTS


class DriverStatement:
    """A Core statement compiled once for one backend's dialect, run with the values of exactly
    `parameters` (the statement's own constants, such as a function's literal arguments, added)."""

    def __init__(
        self, statement: ClauseElement, parameters: tuple[str, ...], *, backend: str, column_keys: bool = False
    ) -> None:
        """`column_keys`: an INSERT given no values of its own, whose parameters are these columns."""
        self.backend = backend
        self._dialect = dialect = DIALECTS[backend]
        keys = list(parameters) if column_keys else None
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect, column_keys=keys))
        missing = set(parameters) - set(compiled.params)
        required = {name for name, bind in compiled.binds.items() if bind.required and name not in parameters}
        if missing or required:  # each execution would fail: say it at import
            raise ValueError(f"{backend}: parameters {sorted(missing)} unknown, {sorted(required)} not given")
        self.sql = str(compiled)
        self._binds: dict[str, Process] = {}
        for name, bind in compiled.binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                self._binds[name] = process
        self._constants = {
            name: self._binds[name](value) if name in self._binds else value
            for name, value in compiled.params.items()
            if name not in parameters
        }
        self._columns = list(statement.exported_columns)  # type: ignore[attr-defined]  # a SELECT's, or RETURNING's
        self._reader: _Reader | None = None

    def run(self, driver: Driver, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Execute with `values` (each through its parameter's type); the rows it returned, each
        value read by its column's type."""
        binds = self._binds
        bound = {name: binds[name](value) if name in binds else value for name, value in values.items()}
        if self._constants:
            bound.update(self._constants)
        cursor = driver.connection.cursor()
        try:
            cursor.execute(self.sql, bound)
            if not self._columns:
                return []
            rows = cursor.fetchall()
            reader = self._reader or self._read_as(cursor.description)
        finally:
            cursor.close()
        names, results = reader.names, reader.results
        return [
            {
                name: value if read is None or value is None else read(value)
                for name, read, value in zip(names, results, row, strict=True)
            }
            for row in rows
        ]

    def _read_as(self, description: Any) -> _Reader:
        """How rows are read, from the first execution's description, as SQLAlchemy does: a type's
        result processor may depend on the type the database reports (psycopg's floats)."""
        dialect = self._dialect
        results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, described[1])
            for column, described in zip(self._columns, description, strict=True)
        )
        self._reader = _Reader(tuple(described[0] for described in description), results)
        return self._reader


@dataclass(frozen=True)
class _Reader:
    names: tuple[str, ...]  # the columns of a row, in order
    results: tuple[Process | None, ...]  # how each column's type reads a value
