"""alert groups: one per source, sender and group key

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07

`alert_group.key_hash` was the SHA-256 of the group key alone, so two Alertmanagers routing alike
(prod's and staging's, each with its own token, sending the same `groupKey`) fed one group: one
message, one incident, named after whichever sent first. It is now the SHA-256 of the sender's
name (the token's), a line break and the group key (`bot.storage.alerts.key_hash`); every stored
group is hashed again here from its own `sender` and `group_key`, so a group still firing is found
by its next notification.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GROUP = sa.table(
    "alert_group",
    sa.column("id", sa.Integer()),
    sa.column("sender", sa.String()),
    sa.column("group_key", sa.Text()),
    sa.column("key_hash", sa.String()),
)


def _rehash(hashed: Callable[[str, str], str]) -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(_GROUP.c.id, _GROUP.c.sender, _GROUP.c.group_key)).all()
    for group_id, sender, group_key in rows:
        connection.execute(sa.update(_GROUP).where(_GROUP.c.id == group_id).values(key_hash=hashed(sender, group_key)))


def upgrade() -> None:
    _rehash(lambda sender, group_key: hashlib.sha256(f"{sender}\n{group_key}".encode()).hexdigest())


def downgrade() -> None:
    """Back to the group key alone (refused by the unique constraint if two senders' groups share one)."""
    _rehash(lambda sender, group_key: hashlib.sha256(group_key.encode()).hexdigest())
