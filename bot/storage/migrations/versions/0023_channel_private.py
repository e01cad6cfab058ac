"""incident: whether its Slack channel is private

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-11

`incident.channel_private`: the incident's channel is a private one (docs/behaviour.md, Private
incidents). Until now a channel kept the privacy the incident had when it was opened, so existing
incidents get that: the opposite of their first `visibility` entry when they have one (made
private: opened public), else their `private` flag as it is.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("incident", sa.Column("channel_private", sa.Boolean(), nullable=False, server_default=sa.false()))
    incident = sa.table(
        "incident", sa.column("id"), sa.column("private", sa.Boolean()), sa.column("channel_private", sa.Boolean())
    )
    entry = sa.table("timeline_entry", sa.column("id"), sa.column("incident_id"), sa.column("kind"), sa.column("text"))
    first_change = (
        sa.select(entry.c.text)
        .where(entry.c.incident_id == incident.c.id, entry.c.kind == "visibility")
        .order_by(entry.c.id)
        .limit(1)
        .scalar_subquery()
    )
    opened_private = sa.case(
        (first_change == "public", sa.true()), (first_change == "private", sa.false()), else_=incident.c.private
    )
    op.execute(incident.update().values(channel_private=opened_private))


def downgrade() -> None:
    op.drop_column("incident", "channel_private")
