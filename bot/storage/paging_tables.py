"""The paging tables (bot.domain.paging): the Slack user groups the bot knows. Same conventions as
`bot.storage.tables`: every datetime column is `UtcDateTime`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
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
