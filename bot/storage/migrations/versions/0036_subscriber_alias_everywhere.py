"""subscriber_alias: on every database at 0034 and after, with the language its open ask chose

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07

Migration 0034 was changed after it first landed: its first version merged the spellings of a
mailbox without keeping `subscriber_alias`, so a database upgraded with it lacks the table (and
every request that looks a link up in it fails). Its second version kept the table without the
language and components a merged spelling's open confirmation asked for. This migration creates
the table where it is missing, and adds the two columns where they are missing; a database whose
0034 merged spellings without aliases keeps them merged, their old links answering "This link
cannot be used" (the rows they named are gone). Nothing else changes; the downgrade leaves it all
to 0034's.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _asked_columns() -> list[sa.Column[object]]:
    """The open ask's language and components (None: none open, or 0034 did not keep them)."""
    return [sa.Column("language", sa.String(16), nullable=True), sa.Column("components", sa.Text(), nullable=True)]


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table("subscriber_alias"):
        op.create_table(
            "subscriber_alias",
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),  # the id merged away
            sa.Column("subscriber_id", sa.Integer(), sa.ForeignKey("subscriber.id"), nullable=False),
            sa.Column("unsubscribe_nonce", sa.String(64), nullable=False),
            sa.Column("nonce", sa.String(64), nullable=True),
            *_asked_columns(),
        )
        op.create_index("ix_subscriber_alias_subscriber", "subscriber_alias", ["subscriber_id"])
        return
    present = {column["name"] for column in inspector.get_columns("subscriber_alias")}
    for column in _asked_columns():
        if column.name not in present:
            op.add_column("subscriber_alias", column)


def downgrade() -> None:
    """0034's downgrade drops the table; the shape before this one differed from one database to another."""
