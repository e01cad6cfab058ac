"""private incidents: a flag, and when one was made public; the impact text in each language

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

`private` marks an incident that never reaches the public (docs/behaviour.md, Private
incidents); `public_since` is when a private incident was made public: updates published
before then stay off the status page and feeds. Existing incidents are public, as they were.
`impacts` holds every language's impact text as JSON, the default first (bot.domain.impacts);
NULL for incidents whose one `impact` text is the default language's.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("incident", sa.Column("private", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("incident", sa.Column("public_since", sa.DateTime(timezone=True), nullable=True))
    op.add_column("incident", sa.Column("impacts", sa.Text(), nullable=True))


def downgrade() -> None:
    for column in ("impacts", "public_since", "private"):
        op.drop_column("incident", column)
