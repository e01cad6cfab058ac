"""incidents: the time from the first alert attached to the incident being declared

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07

`incident.alert_lag_seconds` is set when a group of alerts is declared as the incident or added to
it (bot.alerts.triage): how long before the incident was opened its earliest attached alert first
fired (0 when the alerts came after). Insights report it beside the other measures.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("incident", sa.Column("alert_lag_seconds", sa.Float(), nullable=True))


def downgrade() -> None:
    op.drop_column("incident", "alert_lag_seconds")
