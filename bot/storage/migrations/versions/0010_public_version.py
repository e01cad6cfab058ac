"""status page: a version of what the public can read, and corrections of published updates

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

`public_version` holds one row whose `version` goes up, in the same transaction, with every
change the status page or a feed can show (a publication, a correction, a listed incident's
public title, severity or stored duration): each web process keeps the rendered page per
route and language keyed by it, so a page is rendered once per change, never served stale.
`draft.corrected_by` / `corrected_at`: the latest correction of a published update.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    version = op.create_table(
        "public_version",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
    )
    op.bulk_insert(version, [{"id": 1, "version": 0}])
    op.add_column("draft", sa.Column("corrected_by", sa.String(length=32), nullable=True))
    op.add_column("draft", sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("draft", "corrected_at")
    op.drop_column("draft", "corrected_by")
    op.drop_table("public_version")
