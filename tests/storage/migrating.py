"""Running Alembic to a given revision on a test database, up or down."""

from __future__ import annotations

from alembic import command

from bot.storage.db import Database, alembic_config


def migrate(db: Database, revision: str, *, down: bool = False) -> None:
    with db.engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)
