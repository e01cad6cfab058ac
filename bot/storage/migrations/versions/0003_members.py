"""members: the workspace's members kept by users.list and events, replacing the users.info cache

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30

`slack_user` cached what users.info said (name, guest or not) for whoever had used the bot.
`member` keeps every member of the workspace; the cached rows move over (their team is unknown
until the first users.list sync fills it in) and `slack_user` goes away.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "member",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("real_name", sa.String(length=250), nullable=False),
        sa.Column("is_bot", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("is_restricted", sa.Boolean(), nullable=False),
        sa.Column("is_ultra_restricted", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "member_sync",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )
    op.execute(
        "INSERT INTO member (user_id, team_id, display_name, real_name, is_bot, deleted,"
        " is_restricted, is_ultra_restricted, updated_at)"
        " SELECT user_id, '', name, '', false, false, is_guest, false, checked_at FROM slack_user"
    )
    op.drop_table("slack_user")


def downgrade() -> None:
    op.create_table(
        "slack_user",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("is_guest", sa.Boolean(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.execute(
        "INSERT INTO slack_user (user_id, name, is_guest, checked_at)"
        " SELECT user_id, CASE WHEN display_name != '' THEN display_name ELSE substr(real_name, 1, 120) END,"
        " is_restricted OR is_ultra_restricted, updated_at FROM member"
    )
    op.drop_table("member_sync")
    op.drop_table("member")
