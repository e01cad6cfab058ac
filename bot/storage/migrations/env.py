"""Alembic environment: runs on the connection `Database.upgrade` passes in (under its lock).

For developers, `alembic -c bot/storage/migrations/alembic.ini revision --autogenerate -m "..."`
uses DATABASE_URL (default sqlite:///incidents.db) to compare the tables with the schema.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

import bot.storage.tables  # noqa: F401  (defines the tables in SQLModel.metadata, for --autogenerate)
from bot.storage.utc import UtcDateTime

target_metadata = SQLModel.metadata
config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    url = os.environ.get("DATABASE_URL", "sqlite:///incidents.db")
    with create_engine(url).begin() as owned:
        _migrate(owned)


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=_render_plain_types,
    )
    with context.begin_transaction():
        context.run_migrations()


def _render_plain_types(kind: str, item: Any, _autogen_context: AutogenContext) -> str | Literal[False]:
    """Write migrations with plain SQLAlchemy types so they never import the app's code."""
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    if kind == "type" and isinstance(item, AutoString):
        return f"sa.String(length={item.length})" if item.length else "sa.String()"
    return False


run()
