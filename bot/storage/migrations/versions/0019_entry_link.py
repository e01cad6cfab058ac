"""timeline: the permalink of a message copied from another channel

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-10

`timeline_entry.link`: where a copied message can be read in Slack (its permalink, as
`chat.getPermalink` gave it), for a message that is not in the incident's own channel: the one an
incident was declared from. NULL for every other entry, and for a message Slack no longer has.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("timeline_entry", sa.Column("link", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("timeline_entry", "link")
