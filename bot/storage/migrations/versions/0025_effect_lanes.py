"""outbox: an incident's independent work goes side by side

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06

`effect.lane` is the lane of an incident's work an effect is sent in (its kind's: `channel`,
`card`, `timeline`, ...): effects of one lane go one after the other, effects of different lanes
side by side. `effect.after_lane` is the lane it waits for (everything in the channel waits for
the `channel` lane's creation). Existing rows have neither, which keeps them in the strict order
of their incident they were recorded in. `ix_effect_pending_incident` finds an effect's earlier
pending work without reading the incident's finished rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("state = 'pending'")


def upgrade() -> None:
    op.add_column("effect", sa.Column("lane", sa.String(length=32), nullable=True))
    op.add_column("effect", sa.Column("after_lane", sa.String(length=32), nullable=True))
    op.create_index(
        "ix_effect_pending_incident",
        "effect",
        ["incident_id", "id"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index("ix_effect_pending_incident", table_name="effect")
    op.drop_column("effect", "after_lane")
    op.drop_column("effect", "lane")
