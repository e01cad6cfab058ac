"""the service catalog: which components each incident affected, how badly, and when

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02

`component_impact` holds one row per component state an incident caused (bot.domain.affects):
the catalog's component id (kept when the catalog drops it), the state (Statuspage's enum
value), when it began and ended (NULL while it holds), and whether the incident's resolution
ended it (a reopening brings those back). The status page reads the days it shows through
`ix_component_impact_ended` and the impacts still holding through `ix_component_impact_holds`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HOLDS = sa.text("ended_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "component_impact",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("component_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by_resolution", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_component_impact_incident", "component_impact", ["incident_id", "started_at"])
    op.create_index("ix_component_impact_ended", "component_impact", ["ended_at"])
    op.create_index(
        "ix_component_impact_holds",
        "component_impact",
        ["incident_id"],
        sqlite_where=HOLDS,
        postgresql_where=HOLDS,
    )


def downgrade() -> None:
    op.drop_table("component_impact")
