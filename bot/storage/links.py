"""Permalinks of copied messages, kept on their timeline entries once Slack gave them
(`message.link`, bot/outbox/kinds/link_message.py). Same conventions as the repository."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col

from bot.storage.sql import core
from bot.storage.tables import TimelineRow


def set_link(*, session: Session, entry_id: int, link: str) -> None:
    core(session).execute(update(TimelineRow).where(col(TimelineRow.id) == entry_id).values(link=link))
