"""alerts: groups of alerts, alerts, and which alerts each group holds

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06

`alert_group` is unique per source and group key (its SHA-256: keys can outgrow an index),
`alert` per source and key (fingerprint or dedup key), so two processes receiving the same
notification at once make one group and one row per alert (INSERT ... ON CONFLICT). An alert
routed to two receivers is in two groups: `alert_group_member` says which.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_GROUP = sa.text("triage = 'open'")
DECLARING = sa.text("declare_at IS NOT NULL")


def upgrade() -> None:
    op.create_table(
        "alert_group",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("group_key", sa.Text(), nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=True),
        sa.Column("group_labels", sa.Text(), nullable=False),
        sa.Column("common_labels", sa.Text(), nullable=False),
        sa.Column("common_annotations", sa.Text(), nullable=False),
        sa.Column("external_url", sa.Text(), nullable=False),
        sa.Column("truncated", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("triage", sa.String(length=16), nullable=False),
        sa.Column("triage_version", sa.Integer(), nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.Column("declare_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("source", "key_hash", name="uq_alert_group_key"),
    )
    op.create_index(
        "ix_alert_group_open", "alert_group", ["last_seen_at"], sqlite_where=OPEN_GROUP, postgresql_where=OPEN_GROUP
    )
    op.create_index(
        "ix_alert_group_declare_at", "alert_group", ["declare_at"], sqlite_where=DECLARING, postgresql_where=DECLARING
    )
    op.create_index("ix_alert_group_incident", "alert_group", ["incident_id"])
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("labels", sa.Text(), nullable=False),
        sa.Column("annotations", sa.Text(), nullable=False),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fired", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("source", "key", name="uq_alert_key"),
    )
    op.create_table(
        "alert_group_member",
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("alert_group.id"), primary_key=True),
        sa.Column("alert_id", sa.Integer(), sa.ForeignKey("alert.id"), primary_key=True),
    )
    op.create_index("ix_alert_group_member_alert", "alert_group_member", ["alert_id"])


def downgrade() -> None:
    op.drop_table("alert_group_member")
    op.drop_table("alert")
    op.drop_table("alert_group")
