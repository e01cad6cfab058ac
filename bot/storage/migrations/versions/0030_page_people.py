"""a page request for several people named in one command

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07

`page_request.target_ref` becomes text: the people one `/incident page` names form one request
(the first of them to acknowledge takes it, and "nobody can take it" waits for all of them), its
ref their user ids, comma-separated (up to 20 at once: more than the 80 characters it had).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("page_request") as table:
        table.alter_column("target_ref", type_=sa.Text(), existing_type=sa.String(80), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("page_request") as table:
        table.alter_column("target_ref", type_=sa.String(80), existing_type=sa.Text(), existing_nullable=False)
