"""left_channel: the public channels private incidents moved out of

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07

`left_channel`: a channel that was an incident's until the incident moved to a new private channel
(docs/behaviour.md, Private incidents), written when Slack made the new one, so that a command, a
:pushpin: or *Add to timeline* in the old channel is answered that the incident moved instead of
"This is not an incident channel". Channels left before this version have no row.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "left_channel",
        sa.Column("channel_id", sa.String(32), primary_key=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("left_channel")
