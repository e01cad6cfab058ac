"""The App Home's tables (docs/behaviour.md, The App Home). Same conventions as
`bot.storage.tables`: every datetime column is `UtcDateTime`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from bot.storage.utc import utc_column


class HomeViewerRow(SQLModel, table=True):
    """Someone who opened the App Home: when they last did (the Home is kept current for 7 days
    after), when their next `views.publish` may go at the earliest (one a person every 10 s), and
    the digest of the view last published for them (a publish that would show the same is not
    sent; None: publish whatever it shows)."""

    __tablename__ = "home_viewer"
    __table_args__ = (Index("ix_home_viewer_opened", "team_id", "opened_at"),)

    team_id: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(primary_key=True, max_length=32)
    opened_at: datetime = utc_column()
    next_publish_at: datetime | None = utc_column(nullable=True)
    published_digest: str | None = Field(default=None, max_length=64)


class HomeRefreshRow(SQLModel, table=True):
    """A change that shows on the App Home asks for the workspace's Homes to be published again:
    appended in the change's transaction (no row is shared, so no change waits for another), taken
    (deleted) by the App Home's sender, which queues one publish per recent viewer."""

    __tablename__ = "home_refresh"
    __table_args__ = (Index("ix_home_refresh_team", "team_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    requested_at: datetime = utc_column()
