"""paging: the requests of `/incident page` and the pages each sent

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-09

`page_request`: one row per thing paged for an incident (a person, a user group, a component's
on-call group): who paged, its state, when nobody having answered leads to the next step
(`escalate_at`, partial index `ix_page_request_escalate_at`), the escalation group paged, and who
acknowledged it when (written once). `page`: one row per person paged, with why (`via`), its
state (`ix_page_open`: whom an incident waits on), and the direct message that asked them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ESCALATING = sa.text("escalate_at IS NOT NULL")
OPEN_PAGE = sa.text("state IN ('waiting', 'sent')")


def upgrade() -> None:
    op.create_table(
        "page_request",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("target_kind", sa.String(16), nullable=False),
        sa.Column("target_ref", sa.String(80), nullable=False),
        sa.Column("label", sa.String(250), nullable=False),
        sa.Column("group_label", sa.String(90), nullable=False),
        sa.Column("paged_by", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("escalate_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalation", sa.String(90), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(32), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unanswered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_page_request_incident", "page_request", ["incident_id", "id"])
    op.create_index(
        "ix_page_request_escalate_at",
        "page_request",
        ["escalate_at"],
        sqlite_where=ESCALATING,
        postgresql_where=ESCALATING,
    )
    op.create_table(
        "page",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("page_request.id"), nullable=False),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel", sa.String(32), nullable=True),
        sa.Column("ts", sa.String(32), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_page_request", "page", ["request_id"])
    op.create_index(
        "ix_page_open", "page", ["incident_id", "user_id"], sqlite_where=OPEN_PAGE, postgresql_where=OPEN_PAGE
    )


def downgrade() -> None:
    op.drop_table("page")
    op.drop_table("page_request")
