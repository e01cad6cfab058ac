"""the catalog's components as first stored, for their Statuspage `created_at`

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07

`catalog_component`: one row per component id the catalog (INCIDENT_CATALOG) has ever had, with
when it first appeared there (each start stores the ids not stored yet: bot.storage.catalog.sync).
A component dropped from the file keeps its row, so its `created_at` never moves.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catalog_component",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("catalog_component")
