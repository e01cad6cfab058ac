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

Mails already sent to a row that goes carry its id in their links (unsubscribe, List-Unsubscribe's
one-click POST, a pending confirmation): `subscriber_alias` keeps, for each row merged away, its
id and the nonces its links were signed over, and the row it became, so that those links act on
the mailbox's one subscriber. A confirmation is kept only when it was asked for after the kept
row's last change (or the kept row is pending too): one asked before a later decision was
overtaken by it, as it would have been on one row.
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
    sa.column("nonce", sa.String()),
    sa.column("unsubscribe_nonce", sa.String()),
    sa.column("language", sa.String()),
    sa.column("components", sa.Text()),
)
_ALIAS = sa.table(
    "subscriber_alias",
    sa.column("id", sa.Integer()),
    sa.column("subscriber_id", sa.Integer()),
    sa.column("unsubscribe_nonce", sa.String()),
    sa.column("nonce", sa.String()),
    sa.column("language", sa.String()),
    sa.column("components", sa.Text()),
)
_DELIVERY = sa.table("delivery", sa.column("subscriber_id", sa.Integer()), sa.column("key", sa.String()))


def upgrade() -> None:
    op.create_table(
        "subscriber_alias",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),  # the id merged away
        sa.Column("subscriber_id", sa.Integer(), sa.ForeignKey("subscriber.id"), nullable=False),
        sa.Column("unsubscribe_nonce", sa.String(64), nullable=False),
        sa.Column("nonce", sa.String(64), nullable=True),
        sa.Column("language", sa.String(16), nullable=True),  # the open ask's (None: none open)
        sa.Column("components", sa.Text(), nullable=True),
    )
    op.create_index("ix_subscriber_alias_subscriber", "subscriber_alias", ["subscriber_id"])
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(
            _SUBSCRIBER.c.id,
            _SUBSCRIBER.c.address,
            _SUBSCRIBER.c.state,
            _SUBSCRIBER.c.changed_at,
            _SUBSCRIBER.c.nonce,
            _SUBSCRIBER.c.unsubscribe_nonce,
            _SUBSCRIBER.c.language,
            _SUBSCRIBER.c.components,
        )
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
                _merge(bind, into=kept, other=other)
        if kept.address != mailbox:
            bind.execute(sa.update(_SUBSCRIBER).where(_SUBSCRIBER.c.id == kept.id).values(address=mailbox))


def _merge(bind: sa.Connection, *, into: Any, other: Any) -> None:
    """`other`'s delivery records to `into` (the ones `into` has a record of already dropped), its
    links to `into` through an alias, then `other` gone (rows of the select in `upgrade`)."""
    asking = other.state == "pending" and (into.state == "pending" or str(other.changed_at) > str(into.changed_at))
    bind.execute(
        sa.insert(_ALIAS).values(
            id=other.id,
            subscriber_id=into.id,
            unsubscribe_nonce=other.unsubscribe_nonce,
            nonce=other.nonce if asking else None,
            language=other.language if asking else None,
            components=other.components if asking else None,
        )
    )
    kept_keys = sa.select(_DELIVERY.c.key).where(_DELIVERY.c.subscriber_id == into.id).scalar_subquery()
    moved = _DELIVERY.c.subscriber_id == other.id
    bind.execute(sa.delete(_DELIVERY).where(moved, _DELIVERY.c.key.in_(kept_keys)))
    bind.execute(sa.update(_DELIVERY).where(moved).values(subscriber_id=into.id))
    bind.execute(sa.delete(_SUBSCRIBER).where(_SUBSCRIBER.c.id == other.id))


def downgrade() -> None:
    """Lower-cased addresses reach the same mailboxes, and merged rows stay one; the links of the
    rows merged away stop working."""
    op.drop_index("ix_subscriber_alias_subscriber", table_name="subscriber_alias")
    op.drop_table("subscriber_alias")
