"""subscribers: one per mailbox, whatever the case its address was written in

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07

`ann@example.com` and `ANN@Example.com` were two subscribers (only the domain was lower-cased):
the same mailbox got every update twice, and the limit of confirmation mails a day per address
counted each spelling apart. Addresses are now stored lower-cased (`check_email`). The mail
subscribers whose addresses differ only in case become one: the row of the latest decision
(confirmed, unsubscribed or bounced, by `changed_at`; a pending one only when there is nothing
else), its address lower-cased; the others' delivery records move to it (one record per update
kept, as `uq_delivery_key` wants) and the other rows go.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SUBSCRIBER = sa.table(
    "subscriber",
    sa.column("id", sa.Integer()),
    sa.column("medium", sa.String()),
    sa.column("address", sa.Text()),
    sa.column("state", sa.String()),
    sa.column("changed_at", sa.String()),  # compared only within one backend's own format
)
_DELIVERY = sa.table("delivery", sa.column("subscriber_id", sa.Integer()), sa.column("key", sa.String()))


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_SUBSCRIBER.c.id, _SUBSCRIBER.c.address, _SUBSCRIBER.c.state, _SUBSCRIBER.c.changed_at)
        .where(_SUBSCRIBER.c.medium == "mail")
        .order_by(_SUBSCRIBER.c.id)
    ).all()
    mailboxes: dict[str, list[Any]] = defaultdict(list)  # rows of the select above
    for row in rows:
        mailboxes[row.address.lower()].append(row)
    for mailbox, spellings in mailboxes.items():
        kept = max(spellings, key=lambda row: (row.state != "pending", str(row.changed_at), row.id))
        for other in spellings:
            if other.id != kept.id:
                _merge(bind, into=kept.id, other=other.id)
        if kept.address != mailbox:
            bind.execute(sa.update(_SUBSCRIBER).where(_SUBSCRIBER.c.id == kept.id).values(address=mailbox))


def _merge(bind: sa.Connection, *, into: int, other: int) -> None:
    """`other`'s delivery records to `into` (the ones `into` has a record of already dropped), then
    `other` gone."""
    kept_keys = sa.select(_DELIVERY.c.key).where(_DELIVERY.c.subscriber_id == into).scalar_subquery()
    bind.execute(sa.delete(_DELIVERY).where(_DELIVERY.c.subscriber_id == other, _DELIVERY.c.key.in_(kept_keys)))
    bind.execute(sa.update(_DELIVERY).where(_DELIVERY.c.subscriber_id == other).values(subscriber_id=into))
    bind.execute(sa.delete(_SUBSCRIBER).where(_SUBSCRIBER.c.id == other))


def downgrade() -> None:
    """Nothing to undo: lower-cased addresses reach the same mailboxes, and merged rows stay one."""
