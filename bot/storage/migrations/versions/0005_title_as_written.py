"""title as written: Slack markup in a title (links, mentions) can make it longer than it reads

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

The 150-character limit counts what a reader sees (docs/behaviour.md, The slash command); the
stored text keeps Slack's markup, so the column is TEXT (PostgreSQL enforced the old VARCHAR(150)).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return  # SQLite never enforced the length: VARCHAR(150) holds any text already
    op.alter_column("incident", "title", type_=sa.Text(), existing_type=sa.String(length=150), existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.alter_column(
        "incident",
        "title",
        type_=sa.String(length=150),
        existing_type=sa.Text(),
        existing_nullable=False,
        postgresql_using="left(title, 150)",
    )
