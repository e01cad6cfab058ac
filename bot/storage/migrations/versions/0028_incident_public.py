"""ix_incident_public: the incidents the public may read, for the status page's history

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07

The components' 90-day history reads the impacts of the days shown (ix_component_impact_ended)
and keeps those of incidents the public may read (listed, not private). PostgreSQL hashed every
listed incident for that, so its cost grew with all of history; it now looks each impact's
incident up in this small partial index, index only (bot.storage.history, BENCHMARKS.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PUBLIC = sa.text("listed_at IS NOT NULL AND private IS false")


def upgrade() -> None:
    op.create_index("ix_incident_public", "incident", ["id"], sqlite_where=PUBLIC, postgresql_where=PUBLIC)


def downgrade() -> None:
    op.drop_index("ix_incident_public", table_name="incident")
