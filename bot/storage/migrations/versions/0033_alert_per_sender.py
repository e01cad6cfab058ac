"""alerts: one per source, sender and key, as their groups are (0032)

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07

Migration 0032 gave prod's and staging's Alertmanagers a group each, but their alerts were still
one row per source and fingerprint: the same labels from both (the very case 0032 was for) made
one alert in both groups, so staging's resolution resolved prod's still-firing alert, prod's next
notifications were dropped as late copies, and a `declare` rule of prod's group found nothing
firing. `alert.sender` is now part of the alert's key. Each stored alert takes the sender of the
groups that hold it; one held by groups of several senders is copied, one row per sender, each
group keeping the copy of its own sender.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COPIED = (
    "source key name labels annotations links status starts_at ends_at first_fired_at acknowledged_at fired "
    "first_seen_at last_seen_at"
).split()
_ALERT = sa.table("alert", sa.column("id", sa.Integer()), sa.column("sender", sa.String()), *map(sa.column, _COPIED))
_GROUP = sa.table("alert_group", sa.column("id", sa.Integer()), sa.column("sender", sa.String()))
_MEMBER = sa.table("alert_group_member", sa.column("group_id", sa.Integer()), sa.column("alert_id", sa.Integer()))


def _rebuild(change: Callable[[BatchOperations], None]) -> None:
    """`change` the alert table. SQLite does it by copying the table and dropping the old one,
    which its foreign keys (on, inside the migration's transaction) refuse while a group holds an
    alert: the memberships step out meanwhile and come back as they were."""
    connection = op.get_bind()
    held = [row._asdict() for row in connection.execute(sa.select(_MEMBER.c.group_id, _MEMBER.c.alert_id))]
    connection.execute(sa.delete(_MEMBER))
    with op.batch_alter_table("alert") as table:
        change(table)
    if held:
        connection.execute(sa.insert(_MEMBER), held)


def _keyed_by_sender(table: BatchOperations) -> None:
    table.add_column(sa.Column("sender", sa.String(length=64), nullable=False, server_default=""))
    table.drop_constraint("uq_alert_key", type_="unique")
    table.create_unique_constraint("uq_alert_key", ["source", "sender", "key"])


def _keyed_without_sender(table: BatchOperations) -> None:
    table.drop_constraint("uq_alert_key", type_="unique")
    table.create_unique_constraint("uq_alert_key", ["source", "key"])
    table.drop_column("sender")


def upgrade() -> None:
    _rebuild(_keyed_by_sender)
    connection = op.get_bind()
    held = connection.execute(
        sa.select(_MEMBER.c.alert_id, _MEMBER.c.group_id, _GROUP.c.sender)
        .join(_GROUP, _GROUP.c.id == _MEMBER.c.group_id)
        .order_by(_MEMBER.c.alert_id, _MEMBER.c.group_id)
    ).all()
    senders: dict[int, dict[str, list[int]]] = {}  # alert -> sender -> the groups of that sender holding it
    for alert_id, group_id, sender in held:
        senders.setdefault(alert_id, {}).setdefault(sender, []).append(group_id)
    for alert_id, groups_of in senders.items():
        first, *others = groups_of  # the senders, of its oldest group first
        connection.execute(sa.update(_ALERT).where(_ALERT.c.id == alert_id).values(sender=first))
        if not others:
            continue
        (row,) = connection.execute(sa.select(*[_ALERT.c[name] for name in _COPIED]).where(_ALERT.c.id == alert_id))
        for sender in others:
            copy_id = connection.execute(
                sa.insert(_ALERT).values(sender=sender, **row._asdict()).returning(_ALERT.c.id)
            ).scalar_one()
            connection.execute(
                sa.update(_MEMBER)
                .where(_MEMBER.c.alert_id == alert_id, _MEMBER.c.group_id.in_(groups_of[sender]))
                .values(alert_id=copy_id)
            )


def downgrade() -> None:
    """Back to one alert per source and key (refused by the unique constraint when two senders'
    alerts share a key)."""
    _rebuild(_keyed_without_sender)
