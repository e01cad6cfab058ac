"""status page: each incident's public title and when the public was told it started and ended

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01

`public_title` (NULL: a neutral phrase per language), `listed_at` (its first published update:
from then on it is on the status page), `public_resolved_at` (its latest published update said
resolved; NULL while the public reads it as open). Three partial indexes serve the page and the
feeds, one indexed query each. Incidents published before this migration are listed from their
first published draft.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LISTED = sa.text("listed_at IS NOT NULL")
PUBLIC_OPEN = sa.text("listed_at IS NOT NULL AND public_resolved_at IS NULL")
PUBLIC_RESOLVED = sa.text("public_resolved_at IS NOT NULL")


def upgrade() -> None:
    op.add_column("incident", sa.Column("public_title", sa.Text(), nullable=True))
    op.add_column("incident", sa.Column("listed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("incident", sa.Column("public_resolved_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE incident SET listed_at = (SELECT min(decided_at) FROM draft "
        "WHERE draft.incident_id = incident.id AND draft.state = 'published')"
    )
    op.execute(
        "UPDATE incident SET public_resolved_at = (SELECT max(decided_at) FROM draft "
        "WHERE draft.incident_id = incident.id AND draft.state = 'published' AND draft.status = 'resolved') "
        "WHERE (SELECT status FROM draft WHERE draft.incident_id = incident.id AND draft.state = 'published' "
        "ORDER BY decided_at DESC, id DESC LIMIT 1) = 'resolved'"
    )
    for name, column, where in (
        ("ix_incident_listed", "listed_at", LISTED),
        ("ix_incident_public_open", "listed_at", PUBLIC_OPEN),
        ("ix_incident_public_resolved", "public_resolved_at", PUBLIC_RESOLVED),
    ):
        op.create_index(name, "incident", [column], sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for name in ("ix_incident_public_resolved", "ix_incident_public_open", "ix_incident_listed"):
        op.drop_index(name, table_name="incident")
    op.drop_column("incident", "public_resolved_at")
    op.drop_column("incident", "listed_at")
    op.drop_column("incident", "public_title")
