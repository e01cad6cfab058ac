"""a waiver's note as written: a typed `<` (stored `&lt;`) or a link can make it longer than it reads

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-07

The 300-character limit of `/incident retro waived <reason>` counts what a reader sees
(bot.domain.aftermath), as the title's does; the note is stored as people's text is (a typed `<`
as `&lt;`, a link with its address), so the column is TEXT, as migration 0005 made the title's:
PostgreSQL enforced VARCHAR(300), and a reason of 300 with a `<` or a link failed to be recorded.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return  # SQLite never enforced the length: VARCHAR(300) holds any text already
    op.alter_column(
        "incident", "retro_note", type_=sa.Text(), existing_type=sa.String(length=300), existing_nullable=False
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.alter_column(
        "incident",
        "retro_note",
        type_=sa.String(length=300),
        existing_type=sa.Text(),
        existing_nullable=False,
        postgresql_using="left(retro_note, 300)",
    )
