"""status page: when what the public can read last changed

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30

`public_version.changed_at` is set, with `version`, by every change the status page or a feed
can show. `Last-Modified` is the later of it and the newest update shown, so it never goes
backwards when something leaves the page (an incident made private) or changes without a new
update (a public title, a severity): a reader sending only `If-Modified-Since` is not told
"not modified" about a page that changed. NULL until the first change after the upgrade.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("public_version", sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("public_version", "changed_at")
