"""Incident numbers: each workspace counts its incidents from 1, with no gaps and no duplicates
however many processes open incidents at once."""

from __future__ import annotations

from sqlmodel import Session, col

from bot.storage.sql import core, upsert
from bot.storage.tables import WorkspaceRow


def allocate_number(*, session: Session, team_id: str) -> int:
    """The workspace's next incident number, in one statement (on the way to the new incident's
    channel: one round trip): 1 for a workspace's first, else its last plus one; the row lock
    makes concurrent callers queue."""
    counted = upsert(session)(WorkspaceRow).values(team_id=team_id, last_number=1)
    number = (
        core(session)
        .execute(
            counted.on_conflict_do_update(
                index_elements=[col(WorkspaceRow.team_id)], set_={"last_number": WorkspaceRow.last_number + 1}
            ).returning(col(WorkspaceRow.last_number))
        )
        .scalar_one()
    )
    return int(number)
