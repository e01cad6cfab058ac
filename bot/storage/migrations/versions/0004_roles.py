"""roles: the comms lead and the scribe of each incident, beside its lead

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

Two nullable columns on `incident` (a Slack user id, NULL while the role is unset). The lead
stays where it was: every incident has one.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("incident", sa.Column("comms", sa.String(length=32), nullable=True))
    op.add_column("incident", sa.Column("scribe", sa.String(length=32), nullable=True))


def downgrade() -> None:
    # SQLite drops a column in place (3.35+), keeping the table, its partial index and its rows
    op.drop_column("incident", "scribe")
    op.drop_column("incident", "comms")
