"""the App Home: who looks at it, what changed on it, and what it is read with

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-11

- `member.locale` and `member.tz`: the person's Slack locale (`users.info`/`users.list` with
  `include_locale`) and time zone, cached with the rest of what Slack says about them; NULL until
  Slack said.
- `home_viewer`: one row per person who opened the App Home (`app_home_opened`), when they last
  did, and the earliest time their next `views.publish` may go (one a person every 10 s).
- `home_refresh`: a request, appended by a change in its own transaction, to publish again the
  Homes of the workspace's recent viewers; taken (deleted) by the App Home's sender.
- `ix_incident_team_resolved`: the last resolved incidents of a workspace, newest first.
- `ix_incident_open_severity`: a workspace's open incidents, the most severe first (SQLite's
  planner otherwise walks every incident of the workspace to sort the open ones).
- `ix_follow_up_open_owner`: a person's open follow-ups.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RESOLVED = sa.text("status = 'resolved'")
OPEN = sa.text("status != 'resolved'")
OPEN_FOLLOW_UP = sa.text("done_at IS NULL")


def upgrade() -> None:
    op.add_column("member", sa.Column("locale", sa.String(16), nullable=True))
    op.add_column("member", sa.Column("tz", sa.String(64), nullable=True))
    op.create_table(
        "home_viewer",
        sa.Column("team_id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_publish_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_home_viewer_opened", "home_viewer", ["team_id", "opened_at"])
    op.create_table(
        "home_refresh",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_home_refresh_team", "home_refresh", ["team_id", "id"])
    op.create_index(
        "ix_incident_team_resolved",
        "incident",
        ["team_id", "resolved_at"],
        sqlite_where=RESOLVED,
        postgresql_where=RESOLVED,
    )
    op.create_index(
        "ix_incident_open_severity",
        "incident",
        ["team_id", "severity", "number"],
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_index(
        "ix_follow_up_open_owner",
        "follow_up",
        ["owner"],
        sqlite_where=OPEN_FOLLOW_UP,
        postgresql_where=OPEN_FOLLOW_UP,
    )


def downgrade() -> None:
    op.drop_index("ix_follow_up_open_owner", "follow_up")
    op.drop_index("ix_incident_open_severity", "incident")
    op.drop_index("ix_incident_team_resolved", "incident")
    op.drop_index("ix_home_refresh_team", "home_refresh")
    op.drop_table("home_refresh")
    op.drop_index("ix_home_viewer_opened", "home_viewer")
    op.drop_table("home_viewer")
    op.drop_column("member", "tz")
    op.drop_column("member", "locale")
