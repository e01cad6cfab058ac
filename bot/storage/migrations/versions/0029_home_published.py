"""the digest of the App Home last published for each viewer

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07

`home_viewer.published_digest`: what the last `views.publish` of the person's Home showed (a
SHA-256 of its view, bot.render.home.digest), so that a publish that would show the same is not
sent; NULL (a Home just opened, or never published): publish whatever it shows.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("home_viewer") as table:
        table.add_column(sa.Column("published_digest", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("home_viewer") as table:
        table.drop_column("published_digest")
