"""status page: when impact began as the public was told, and when the page was first served

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

`incident.public_started_at`: the impact start as it stood when the incident's first update was
published (set with `listed_at`, cleared with it), the JSON's `started_at`; incidents listed
already get their impact start. `public_version.first_served_at`: when a public page was first
served with nothing published yet, the time an empty feed carries (set once, on first need).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("incident", sa.Column("public_started_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE incident SET public_started_at = impact_started_at WHERE listed_at IS NOT NULL")
    op.add_column("public_version", sa.Column("first_served_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("public_version", "first_served_at")
    op.drop_column("incident", "public_started_at")
