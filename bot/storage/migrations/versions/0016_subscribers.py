"""subscribers: who follows the status page, what was delivered to them, and the forms' limits

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

`subscriber`: an email address or webhook URL (unique per medium), its language, the catalog
components it follows, its state and the nonces of its signed links. `delivery`: one message to
one subscriber, unique per (subscriber, key), pending until sent (`ix_delivery_due`: the
subscribers' queue). `fan_out`: a published update or correction still to hand out
(`ix_fan_out_due`). `form_limit`: requests counted per keyed digest and window.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)
DUE_DELIVERY = sa.text("state = 'pending'")
DUE_FAN_OUT = sa.text("done_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "subscriber",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("medium", sa.String(16), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("components", sa.Text(), nullable=False, server_default=""),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("nonce", sa.String(64), nullable=True),
        sa.Column("unsubscribe_nonce", sa.String(64), nullable=False),
        sa.Column("secret", sa.String(128), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("changed_at", WHEN, nullable=False),
        sa.Column("confirmed_at", WHEN, nullable=True),
        sa.UniqueConstraint("medium", "address", name="uq_subscriber_address"),
    )
    op.create_index("ix_subscriber_state", "subscriber", ["state", "medium"])
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("subscriber_id", sa.Integer(), sa.ForeignKey("subscriber.id"), nullable=False),
        sa.Column("medium", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incident.id"), nullable=True),
        sa.Column("draft_id", sa.Integer(), sa.ForeignKey("draft.id"), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("not_before", WHEN, nullable=False),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claimed_until", WHEN, nullable=True),
        sa.Column("sent_at", WHEN, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.UniqueConstraint("subscriber_id", "key", name="uq_delivery_key"),
    )
    op.create_index(
        "ix_delivery_due",
        "delivery",
        ["medium", "not_before", "id"],
        sqlite_where=DUE_DELIVERY,
        postgresql_where=DUE_DELIVERY,
    )
    op.create_index("ix_delivery_draft", "delivery", ["draft_id", "state"])
    op.create_table(
        "fan_out",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("draft_id", sa.Integer(), sa.ForeignKey("draft.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("not_before", WHEN, nullable=False),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claimed_until", WHEN, nullable=True),
        sa.Column("done_at", WHEN, nullable=True),
        sa.Column("delivered", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ix_fan_out_due", "fan_out", ["not_before", "id"], sqlite_where=DUE_FAN_OUT, postgresql_where=DUE_FAN_OUT
    )
    op.create_table(
        "form_limit",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("window_start", WHEN, primary_key=True),
        sa.Column("hits", sa.Integer(), nullable=False),
    )
    op.create_index("ix_form_limit_window", "form_limit", ["window_start"])


def downgrade() -> None:
    op.drop_table("form_limit")
    op.drop_table("fan_out")
    op.drop_table("delivery")
    op.drop_table("subscriber")
