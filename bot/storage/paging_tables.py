"""The paging tables (bot.domain.paging): the Slack user groups the bot knows, the requests of
`/incident page` and the pages each sent. Same conventions as `bot.storage.tables`: every datetime
column is `UtcDateTime`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, text
from sqlmodel import Field, SQLModel

from bot.storage.utc import utc_column


class UserGroupRow(SQLModel, table=True):
    """A Slack user group as Slack last described it (`usergroups.list`, `usergroups.users.list`,
    the `subteam_*` events): pages to a group or a component's on-call group reach its members
    without asking Slack. `updated` is Slack's own `date_update`: an older description never
    overwrites a newer one."""

    __tablename__ = "usergroup"
    __table_args__ = (Index("ix_usergroup_handle", "handle"),)

    id: str = Field(primary_key=True, max_length=32)
    team_id: str = Field(default="", max_length=32)
    handle: str = Field(max_length=80)
    name: str = Field(default="", max_length=250)
    disabled: bool = Field(default=False)
    members: str = Field(default="", sa_column=Column(Text, nullable=False))  # user ids, space-separated
    updated: int = Field(default=0)  # Slack's date_update (Unix seconds)
    learned_at: datetime = utc_column()


ESCALATING = text("escalate_at IS NOT NULL")
OPEN_PAGE = text("state IN ('waiting', 'sent')")


class PageRequestRow(SQLModel, table=True):
    """One thing `/incident page` asked for (the people it names, a group, a component's on-call group):
    `bot.domain.paging.PageRequest`. `escalate_at` is set when its first direct message is sent
    and cleared by the step it leads to (claimed with a conditional UPDATE: once across processes);
    `acknowledged_by` is written once, by a conditional UPDATE too."""

    __tablename__ = "page_request"
    __table_args__ = (
        Index("ix_page_request_incident", "incident_id", "id"),
        Index("ix_page_request_escalate_at", "escalate_at", sqlite_where=ESCALATING, postgresql_where=ESCALATING),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id")
    team_id: str = Field(max_length=32)
    target_kind: str = Field(max_length=16)
    target_ref: str = Field(sa_column=Column(Text, nullable=False))  # people: user ids, comma-separated
    label: str = Field(default="", max_length=250)
    group_label: str = Field(default="", max_length=90)
    paged_by: str = Field(max_length=32)
    created_at: datetime = utc_column()
    state: str = Field(max_length=16)
    escalate_at: datetime | None = utc_column(nullable=True)
    escalation: str = Field(default="", max_length=90)
    escalated_at: datetime | None = utc_column(nullable=True)
    acknowledged_by: str | None = Field(default=None, max_length=32)
    acknowledged_at: datetime | None = utc_column(nullable=True)
    unanswered_at: datetime | None = utc_column(nullable=True)


class PageRow(SQLModel, table=True):
    """One person paged for a request, through one direct message (`bot.domain.paging.Page`)."""

    __tablename__ = "page"
    __table_args__ = (
        Index("ix_page_request", "request_id"),
        Index("ix_page_open", "incident_id", "user_id", sqlite_where=OPEN_PAGE, postgresql_where=OPEN_PAGE),
    )

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="page_request.id")
    incident_id: int = Field(foreign_key="incident.id")
    user_id: str = Field(max_length=32)
    via: str = Field(max_length=16)
    state: str = Field(max_length=16)
    created_at: datetime = utc_column()
    sent_at: datetime | None = utc_column(nullable=True)
    channel: str | None = Field(default=None, max_length=32)
    ts: str | None = Field(default=None, max_length=32)
    answered_at: datetime | None = utc_column(nullable=True)
