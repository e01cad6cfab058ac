"""reminder messages: each reminder the scheduler claimed, its message, and what answered it

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-09

`reminder_message`: one row per nudge or escalation claimed (kind, due, noticed at, how late, the
schedule version its buttons carry), the message's `ts` once posted, and the timeline entry that
answered it (a published update, a snooze, "no update needed now"): the bot then replaces the
message's buttons with what happened. Reminders sent before this version have no row; their
buttons stay (a click on them says it was already answered).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reminder_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("due", sa.DateTime(timezone=True), nullable=False),
        sa.Column("noticed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("late_seconds", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("message_ts", sa.String(32), nullable=True),
        sa.Column("answer_entry_id", sa.Integer(), sa.ForeignKey("timeline_entry.id"), nullable=True),
    )
    op.create_index("ix_reminder_message_incident", "reminder_message", ["incident_id", "answer_entry_id"])


def downgrade() -> None:
    op.drop_table("reminder_message")
