"""announcements: each message posted in INCIDENT_ANNOUNCE_CHANNEL about an incident

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07

`announcement`: the channel and ts of each opening, close or reopening the bot announced, written
when Slack posted it, so that making the incident private edits them to say only that an incident
was made private. Announcements posted before this version have no row and stay as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "announcement",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("ts", sa.String(32), nullable=False),
    )
    op.create_index("ix_announcement_incident", "announcement", ["incident_id", "id"])


def downgrade() -> None:
    op.drop_table("announcement")
