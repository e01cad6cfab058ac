"""Which catalog components incidents affected, and when (`component_impact`, bot.domain.affects).
When each component first appeared in the catalog (`catalog_component`) is bot.storage.history's.

Flat functions over the caller's session, never committing: the service owns the transaction.
A change ends the component's impact that holds and begins the new state's in the transaction
that records its timeline entry; the status page's version goes up with it when the incident is
listed (what the page shows of its components changed).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from bot.domain.affects import ComponentChange, ComponentImpact
from bot.domain.catalog import ComponentState
from bot.storage import public
from bot.storage.tables import ComponentImpactRow


def impacts(*, session: Session, incident_id: int) -> list[ComponentImpact]:
    """Every impact of the incident, the oldest first."""
    query = (
        select(ComponentImpactRow)
        .where(col(ComponentImpactRow.incident_id) == incident_id)
        .order_by(col(ComponentImpactRow.started_at), col(ComponentImpactRow.id))
    )
    return [_impact(row) for row in session.exec(query)]


def record(
    *,
    session: Session,
    incident_id: int,
    changes: Sequence[ComponentChange],
    at: datetime,
    now: datetime,
    resolution: bool = False,
) -> None:
    """Apply `changes` at `at` (recorded `now`): each component's impact that holds ends
    (`resolution`: because the incident was resolved), and a state other than operational begins."""
    if not changes:
        return
    ending = [change.component_id for change in changes if change.was is not ComponentState.OPERATIONAL]
    if ending:
        session.connection().execute(
            update(ComponentImpactRow)
            .where(
                col(ComponentImpactRow.incident_id) == incident_id,
                col(ComponentImpactRow.component_id).in_(ending),
                col(ComponentImpactRow.ended_at).is_(None),
            )
            .values(ended_at=at, ended_by_resolution=resolution)
        )
    beginning = [
        {"incident_id": incident_id, "component_id": change.component_id, "state": change.now.value, "started_at": at}
        for change in changes
        if change.now is not ComponentState.OPERATIONAL
    ]
    if beginning:
        session.connection().execute(insert(ComponentImpactRow), beginning)
    public.changed_if_listed(session=session, incident_id=incident_id, at=now)


def _impact(row: ComponentImpactRow) -> ComponentImpact:
    return ComponentImpact(
        component_id=row.component_id,
        state=ComponentState(row.state),
        started_at=row.started_at,
        ended_at=row.ended_at,
        ended_by_resolution=row.ended_by_resolution,
    )
