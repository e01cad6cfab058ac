"""The subscribers' tables (bot.domain.subscribers): who follows the status page, what each was
sent, the fan-outs still to hand out, and the public forms' counts. Same conventions as
`bot.storage.tables`: every datetime column is `UtcDateTime`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from bot.storage.utc import UtcDateTime, utc_column


class SubscriberRow(SQLModel, table=True):
    """Someone following the status page (bot.domain.subscribers): an email address that asked on
    the page, or a webhook URL an operator added; one row per medium and address."""

    __tablename__ = "subscriber"
    __table_args__ = (
        UniqueConstraint("medium", "address", name="uq_subscriber_address"),
        Index("ix_subscriber_state", "state", "medium"),
    )

    id: int | None = Field(default=None, primary_key=True)
    medium: str = Field(max_length=16)  # mail | webhook
    address: str = Field(sa_column=Column(Text, nullable=False))
    language: str = Field(max_length=16)
    components: str = Field(default="", sa_column=Column(Text, nullable=False))  # catalog ids, comma-separated
    state: str = Field(max_length=16)  # a SubscriberState
    nonce: str | None = Field(default=None, max_length=64)  # the confirmation links' while pending
    unsubscribe_nonce: str = Field(max_length=64)  # in every unsubscribe link it was sent
    secret: str | None = Field(default=None, max_length=128)  # a webhook's signing secret (whsec_...)
    created_at: datetime = utc_column()
    changed_at: datetime = utc_column()
    confirmed_at: datetime | None = utc_column(nullable=True)


class SubscriberAliasRow(SQLModel, table=True):
    """A subscriber merged into another by migration 0034 (two spellings of one mailbox): its id
    and the nonces its links were signed over, so that the links in mails already sent to it act
    on the mailbox's one subscriber (`subscriber_id`). `nonce`: a confirmation it asked for that
    is still open (None once used or overtaken by the subscriber's next change), and the language
    and components it asked for, which its confirmation subscribes the mailbox with (None where the
    0034 that merged it did not keep them: the subscriber's own stay)."""

    __tablename__ = "subscriber_alias"
    __table_args__ = (Index("ix_subscriber_alias_subscriber", "subscriber_id"),)

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})  # the id merged away
    subscriber_id: int = Field(foreign_key="subscriber.id")
    unsubscribe_nonce: str = Field(max_length=64)
    nonce: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=16)
    components: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # catalog ids, comma-separated


DUE_DELIVERY = text("state = 'pending'")


class DeliveryRow(SQLModel, table=True):
    """One message to one subscriber, recorded before it is sent and kept once sent: the subscribers'
    queue (bot.outbox.subscribers) and the record that it went, once (`uq_delivery_key`)."""

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("subscriber_id", "key", name="uq_delivery_key"),
        Index(
            "ix_delivery_due", "medium", "not_before", "id", sqlite_where=DUE_DELIVERY, postgresql_where=DUE_DELIVERY
        ),
        Index("ix_delivery_draft", "draft_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subscriber_id: int = Field(foreign_key="subscriber.id")
    medium: str = Field(max_length=16)  # the subscriber's: mail and webhooks are sent apart
    kind: str = Field(max_length=16)  # confirmation | update | correction
    key: str = Field(max_length=120)  # what it delivers: one per subscriber, ever
    incident_id: int | None = Field(default=None, foreign_key="incident.id")
    draft_id: int | None = Field(default=None, foreign_key="draft.id")  # the published text it carries
    state: str = Field(default="pending", max_length=16)  # pending | sent | failed
    attempts: int = Field(default=0)
    created_at: datetime = utc_column()
    not_before: datetime = utc_column()
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = utc_column(nullable=True)
    sent_at: datetime | None = utc_column(nullable=True)
    last_error: str | None = Field(default=None, max_length=500)


DUE_FAN_OUT = text("done_at IS NULL")


class FanOutRow(SQLModel, table=True):
    """A published update (or correction) to hand out to the subscribers who want it: recorded in
    the transaction that publishes it, turned into deliveries by the subscribers' sender."""

    __tablename__ = "fan_out"
    __table_args__ = (
        Index("ix_fan_out_due", "not_before", "id", sqlite_where=DUE_FAN_OUT, postgresql_where=DUE_FAN_OUT),
    )

    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="draft.id")
    kind: str = Field(max_length=16)  # update | correction
    created_at: datetime = utc_column()
    not_before: datetime = utc_column()
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = utc_column(nullable=True)
    done_at: datetime | None = utc_column(nullable=True)
    delivered: int = Field(default=0)  # deliveries it recorded


class FormLimitRow(SQLModel, table=True):
    """Requests counted against a limit of the public forms (bot.domain.limits), per window; the
    key is a keyed digest, never an address."""

    __tablename__ = "form_limit"
    __table_args__ = (Index("ix_form_limit_window", "window_start"),)

    key: str = Field(primary_key=True, max_length=64)
    window_start: datetime = Field(sa_column=Column(UtcDateTime(), primary_key=True))
    hits: int = Field(default=0)
