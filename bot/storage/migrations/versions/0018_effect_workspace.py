"""outbox: each piece of Slack work belongs to a workspace

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06

`effect.team_id` is the Slack workspace whose token sends the work: a sender claims only its own
workspace's work (auth.test's team), so a database holding another workspace's incidents (a
demo's, a second install's) never has its work sent with the wrong token. Existing rows of an
incident take the incident's workspace; rows of no incident (modals, the auth pause) take the
workspace when the database holds exactly one, and are otherwise left to nobody (a modal's
trigger lasts 3 seconds anyway).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("effect", sa.Column("team_id", sa.String(length=32), nullable=True))
    op.execute(
        "UPDATE effect SET team_id = (SELECT incident.team_id FROM incident WHERE incident.id = effect.incident_id) "
        "WHERE incident_id IS NOT NULL"
    )
    op.execute(
        "UPDATE effect SET team_id = (SELECT MIN(team_id) FROM workspace) "
        "WHERE incident_id IS NULL AND (SELECT COUNT(*) FROM workspace) = 1"
    )


def downgrade() -> None:
    op.drop_column("effect", "team_id")
