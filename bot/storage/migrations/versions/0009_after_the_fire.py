"""after the fire: related incidents, follow-ups, the retrospective's state, an index by impact start

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

`incident_link` holds each related pair once (lower id first). `follow_up` holds actions with
an optional owner and due date. Four columns on `incident` record whether the retrospective is
pending, done or waived, and when its reminder went out (incidents already resolved count as
reminded: an upgrade must not remind every old incident at once). `ix_incident_team_started` serves the
recurrence check (incidents begun in the 30 days before) and the insights' windows.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_incident_team_started", "incident", ["team_id", "impact_started_at"])
    op.add_column("incident", sa.Column("retro_state", sa.String(length=16), nullable=False, server_default="pending"))
    op.add_column("incident", sa.Column("retro_note", sa.String(length=300), nullable=False, server_default=""))
    op.add_column("incident", sa.Column("retro_decided_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("incident", sa.Column("retro_reminded_at", sa.DateTime(timezone=True), nullable=True))
    # incidents closed before this version are not reminded of a retrospective nobody asked for
    op.execute(sa.text("UPDATE incident SET retro_reminded_at = CURRENT_TIMESTAMP WHERE status = 'resolved'"))
    op.create_table(
        "incident_link",
        sa.Column("first_id", sa.Integer(), sa.ForeignKey("incident.id"), primary_key=True),
        sa.Column("second_id", sa.Integer(), sa.ForeignKey("incident.id"), primary_key=True),
        sa.Column("linked_by", sa.String(length=32), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_incident_link_second", "incident_link", ["second_id"])
    op.create_table(
        "follow_up",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=32), nullable=True),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_by", sa.String(length=32), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_follow_up_incident", "follow_up", ["incident_id"])
    op.create_index(
        "ix_follow_up_open_due",
        "follow_up",
        ["due"],
        sqlite_where=sa.text("done_at IS NULL"),
        postgresql_where=sa.text("done_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("follow_up")
    op.drop_table("incident_link")
    for column in ("retro_reminded_at", "retro_decided_at", "retro_note", "retro_state"):
        op.drop_column("incident", column)
    op.drop_index("ix_incident_team_started", table_name="incident")
