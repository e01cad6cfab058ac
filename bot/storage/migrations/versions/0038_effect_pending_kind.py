"""outbox: a pending effect found by its kind without reading the finished ones

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-07

Every round of every sender looks for its workspace's pause (`bot.outbox.pause.current`: the
pending `outbox.pause` row, the oldest first). Nothing indexed the kind, and SQLite read the
whole table in id order to find none: finished effects are kept, so the look grew with the
outbox's history (28-31 ms a round with 256,000 of them, BENCHMARKS.md). `ix_effect_pending_kind`
holds the pending rows only, by kind and id: the look reads at most one entry.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("state = 'pending'")


def upgrade() -> None:
    op.create_index("ix_effect_pending_kind", "effect", ["kind", "id"], sqlite_where=PENDING, postgresql_where=PENDING)


def downgrade() -> None:
    op.drop_index("ix_effect_pending_kind", table_name="effect")
