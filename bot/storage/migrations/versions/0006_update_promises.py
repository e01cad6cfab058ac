"""update promises: each incident's next-update deadline and reminders, and a record of every promise

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

Columns on `incident` for the schedule (bot.domain.reminders): `update_due`, `update_due_since`,
`remind_at` (with a partial index: the scheduler's query), `reminders_sent` and `reminder_version`
(a counter every schedule change increments: the claim of a reminder and the key of its buttons).
A draft keeps the time it promises (`promises_by`); `update_promise` holds every promise a
published update made and when the next public update came. Incidents already open get their
first deadline at their next status change or published update.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REMINDING = sa.text("remind_at IS NOT NULL")


def upgrade() -> None:
    op.add_column("incident", sa.Column("update_due", sa.DateTime(timezone=True), nullable=True))
    op.add_column("incident", sa.Column("update_due_since", sa.DateTime(timezone=True), nullable=True))
    op.add_column("incident", sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("incident", sa.Column("reminders_sent", sa.Integer(), server_default="0", nullable=False))
    op.add_column("incident", sa.Column("reminder_version", sa.Integer(), server_default="0", nullable=False))
    op.create_index(
        "ix_incident_remind_at", "incident", ["remind_at"], sqlite_where=REMINDING, postgresql_where=REMINDING
    )
    op.add_column("draft", sa.Column("promises_by", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "update_promise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("promised_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("settled_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.ForeignKeyConstraint(["draft_id"], ["draft.id"]),
        sa.ForeignKeyConstraint(["settled_by"], ["draft.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_update_promise_incident", "update_promise", ["incident_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_update_promise_incident", table_name="update_promise")
    op.drop_table("update_promise")
    # SQLite drops a column in place (3.35+), keeping the table, its partial indexes and its rows
    op.drop_column("draft", "promises_by")
    op.drop_index("ix_incident_remind_at", table_name="incident")
    for column in ("reminder_version", "reminders_sent", "remind_at", "update_due_since", "update_due"):
        op.drop_column("incident", column)
