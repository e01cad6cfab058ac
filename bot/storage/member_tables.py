"""The members' tables (bot.storage.members): who is in the workspace as Slack last said, and the
lease of the users.list sync. Same conventions as `bot.storage.tables`: every datetime column is
`UtcDateTime`."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from bot.storage.utc import utc_column


class MemberRow(SQLModel, table=True):
    """A workspace member as Slack last described them (users.list, user_change, team_join, users.info).

    `updated_at` is when the bot learned this description; an older one never overwrites a newer one.
    """

    __tablename__ = "member"

    user_id: str = Field(primary_key=True, max_length=32)
    team_id: str = Field(default="", max_length=32)
    display_name: str = Field(default="", max_length=120)
    real_name: str = Field(default="", max_length=250)
    is_bot: bool = Field(default=False)
    deleted: bool = Field(default=False)
    is_restricted: bool = Field(default=False)  # a guest
    is_ultra_restricted: bool = Field(default=False)  # a single-channel guest
    locale: str | None = Field(default=None, max_length=16)  # Slack's `locale` (`fr-FR`), once Slack said
    tz: str | None = Field(default=None, max_length=64)  # an IANA zone (`Europe/Paris`), once Slack said
    updated_at: datetime = utc_column()


class MemberSyncRow(SQLModel, table=True):
    """The users.list sync, claimed by one process at a time and done every few hours at most."""

    __tablename__ = "member_sync"

    name: str = Field(primary_key=True, max_length=32)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = utc_column(nullable=True)
    finished_at: datetime | None = utc_column(nullable=True)
