"""Incident numbers: each workspace counts its incidents from 1, with no gaps and no duplicates
however many processes open incidents at once."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col

from bot.storage.sql import core, upsert
from bot.storage.tables import WorkspaceRow


def allocate_number(*, session: Session, team_id: str) -> int:
    """The workspace's next incident number; the row lock makes concurrent callers queue."""
    session.execute(upsert(session)(WorkspaceRow).values(team_id=team_id, last_number=0).on_conflict_do_nothing())
    number = (
        core(session)
        .execute(
            update(WorkspaceRow)
            .where(col(WorkspaceRow.team_id) == team_id)
            .values(last_number=WorkspaceRow.last_number + 1)
            .returning(col(WorkspaceRow.last_number))
        )
        .scalar_one()
    )
    return int(number)
