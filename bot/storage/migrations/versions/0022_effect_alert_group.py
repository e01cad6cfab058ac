"""outbox: the work of an alert group's triage message waits in the group's own queue

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07

`effect.alert_group_id` names the group of alerts whose triage message the work posts or edits
(bot.outbox.kinds.show_triage). Like an incident's work, a group's is sent strictly one after the
other (the message is posted before it is edited, never twice), while different groups' messages
go side by side.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("effect", sa.Column("alert_group_id", sa.Integer(), nullable=True))
    op.create_index("ix_effect_alert_group", "effect", ["alert_group_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_effect_alert_group", table_name="effect")
    op.drop_column("effect", "alert_group_id")
