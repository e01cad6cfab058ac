"""SQL helpers the store modules share: plain Core statements on the session's connection, the
dialect's INSERT for ON CONFLICT, and a statement's parameters typed as a table's columns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import BindParameter, bindparam
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlmodel import Session


def core(session: Session) -> Connection:
    """The session's connection, for plain UPDATEs without ORM bookkeeping (it was a third of a
    status change's time, see BENCHMARKS.md). A row updated this way must not be read back
    through the ORM in the same transaction: the session would still hold the old values."""
    return session.connection()


def upsert(session: Session) -> Callable[..., Any]:
    """The dialect's INSERT, which offers ON CONFLICT on both PostgreSQL and SQLite."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def bound(model: Any, names: tuple[str, ...], prefix: str) -> dict[str, BindParameter[Any]]:
    """A parameter `<prefix><name>` for each of these columns of `model`'s table, typed as the column
    (for a statement built once, at import, that inserts into two tables)."""
    return {name: bindparam(f"{prefix}{name}", type_=model.__table__.c[name].type) for name in names}
