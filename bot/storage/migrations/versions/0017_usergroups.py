"""user groups: the Slack user groups paging reaches, as Slack last described them

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08

`usergroup`: one row per Slack user group (id S...), its handle (`ix_usergroup_handle`: what
people type after @), name, whether it is disabled, its members (user ids, space-separated), and
Slack's `date_update` of that description (an older one never overwrites a newer one).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "usergroup",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False, server_default=""),
        sa.Column("handle", sa.String(80), nullable=False),
        sa.Column("name", sa.String(250), nullable=False, server_default=""),
        sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("members", sa.Text(), nullable=False, server_default=""),
        sa.Column("updated", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("learned_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_usergroup_handle", "usergroup", ["handle"])


def downgrade() -> None:
    op.drop_table("usergroup")
