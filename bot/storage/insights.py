"""Insights over many incidents, computed in SQL on SQLite and PostgreSQL alike.

Percentiles are nearest-rank (the smallest value with at least p% of the values at or below
it), computed with window functions both backends have: `ROW_NUMBER() OVER (ORDER BY x)` and
`COUNT(*) OVER ()`, and the rank `ceil(p * n / 100)` in integer arithmetic. Durations are the
ones stored at each incident's latest close (`save_durations`, below), so a
reopened incident counts with its latest resolution, and only while it is resolved.

The window is by impact start (`impact_started_at`, aware UTC), which the index
`ix_incident_team_started` serves; `since` is inclusive, `until` exclusive.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, and_, case, cast, func, literal, select, union_all, update
from sqlmodel import Session, col

from bot.domain.durations import Durations
from bot.domain.incident import Status
from bot.domain.insights import PromiseCounts, Spread
from bot.storage import public
from bot.storage.paging_tables import PageRequestRow
from bot.storage.sql import core
from bot.storage.tables import IncidentRow, PromiseRow

MEASURES = {
    "identify": IncidentRow.identify_seconds,
    "mitigate": IncidentRow.mitigate_seconds,
    "total": IncidentRow.total_seconds,
    "detection_lag": IncidentRow.detection_lag_seconds,
    "alert_lag": IncidentRow.alert_lag_seconds,  # set when alerts are attached, not at the close
}


def save_durations(*, session: Session, incident_id: int, durations: Durations, now: datetime) -> None:
    """Store the durations reported at a close (docs/behaviour.md, Durations), in seconds."""

    def seconds(value: timedelta | None) -> float | None:
        return value.total_seconds() if value is not None else None

    core(session).execute(
        update(IncidentRow)
        .where(col(IncidentRow.id) == incident_id)
        .values(
            total_seconds=seconds(durations.total),
            identify_seconds=seconds(durations.to_identify),
            mitigate_seconds=seconds(durations.to_mitigate),
            detection_lag_seconds=seconds(durations.detection_lag),
        )
    )
    public.changed_if_listed(session=session, incident_id=incident_id, at=now)  # "Disrupted for ..." on the page


def _window(team_id: str, since: datetime, until: datetime) -> ColumnElement[bool]:
    return and_(
        col(IncidentRow.team_id) == team_id,
        col(IncidentRow.impact_started_at) >= since,
        col(IncidentRow.impact_started_at) < until,
    )


def by_severity(*, session: Session, team_id: str, since: datetime, until: datetime) -> dict[int, int]:
    """Incidents whose impact began in the window, per severity (1..4; absent: none)."""
    query = (
        select(col(IncidentRow.severity), func.count())
        .where(_window(team_id, since, until))
        .group_by(col(IncidentRow.severity))
    )
    return {int(severity): int(count) for severity, count in core(session).execute(query)}


def spreads(*, session: Session, team_id: str, since: datetime, until: datetime) -> dict[str, Spread]:
    """Median and p90 of every stored duration over the resolved incidents of the window, in one
    statement: the window's rows are read once (a CTE), then ranked per measure."""
    rows = (
        select(*(col(value).label(measure) for measure, value in MEASURES.items()))
        .where(_window(team_id, since, until), col(IncidentRow.status) == Status.RESOLVED.value)
        .cte("resolved_in_window")
    )
    parts = []
    for measure in MEASURES:
        value = rows.c[measure]
        ranked = (
            select(
                cast(value, Float).label("x"),
                func.row_number().over(order_by=value).label("rank"),
                func.count().over().label("n"),
            )
            .where(value.is_not(None))
            .subquery(f"ranked_{measure}")
        )
        median_rank = (50 * ranked.c.n + 99) // 100
        p90_rank = (90 * ranked.c.n + 99) // 100
        parts.append(
            select(
                literal(measure).label("measure"),
                func.max(ranked.c.n).label("n"),
                func.max(_when(ranked.c.rank == median_rank, ranked.c.x)).label("median"),
                func.max(_when(ranked.c.rank == p90_rank, ranked.c.x)).label("p90"),
            )
        )
    answer = {
        str(measure): Spread(int(count or 0), _float(median), _float(p90))
        for measure, count, median, p90 in core(session).execute(union_all(*parts))
    }
    return {measure: answer[measure] for measure in MEASURES}


def spread(*, session: Session, team_id: str, since: datetime, until: datetime, measure: str) -> Spread:
    """One measure's median and p90 (`spreads` computes them all at once)."""
    return spreads(session=session, team_id=team_id, since=since, until=until)[measure]


def promises(*, session: Session, team_id: str, since: datetime, until: datetime) -> PromiseCounts:
    """One statement: the promises of the incidents whose impact began in the window."""
    kept = and_(col(PromiseRow.settled_at).is_not(None), col(PromiseRow.settled_at) <= col(PromiseRow.promised_by))
    kept_late = and_(col(PromiseRow.settled_at).is_not(None), col(PromiseRow.settled_at) > col(PromiseRow.promised_by))
    missed = and_(col(PromiseRow.settled_at).is_(None), col(PromiseRow.promised_by) < until)
    query = (
        select(
            func.count(),
            func.count(case((kept, 1))),
            func.count(case((kept_late, 1))),
            func.count(case((missed, 1))),
        )
        .select_from(PromiseRow)
        .join(IncidentRow, col(IncidentRow.id) == col(PromiseRow.incident_id))
        .where(_window(team_id, since, until))
    )
    promised, kept_count, kept_late_count, missed_count = core(session).execute(query).one()
    return PromiseCounts(int(promised), int(kept_count), int(kept_late_count), int(missed_count))


def time_to_acknowledge(*, session: Session, team_id: str, since: datetime, until: datetime) -> dict[int, Spread]:
    """Median and p90, per severity, of the seconds from a page (`/incident page`, an escalation's
    request included) to its acknowledgement, over the window's incidents; severities with no
    acknowledged page are absent. One statement, ranked per severity."""
    values = (
        select(
            col(IncidentRow.severity).label("severity"),
            _seconds_between(session, col(PageRequestRow.created_at), col(PageRequestRow.acknowledged_at)).label("x"),
        )
        .join(IncidentRow, col(IncidentRow.id) == col(PageRequestRow.incident_id))
        .where(_window(team_id, since, until), col(PageRequestRow.acknowledged_at).is_not(None))
        .subquery("acknowledged")
    )
    ranked = select(
        values.c.severity,
        values.c.x,
        func.row_number().over(partition_by=values.c.severity, order_by=values.c.x).label("rank"),
        func.count().over(partition_by=values.c.severity).label("n"),
    ).subquery("ranked")
    median_rank = (50 * ranked.c.n + 99) // 100
    p90_rank = (90 * ranked.c.n + 99) // 100
    query = select(
        ranked.c.severity,
        func.max(ranked.c.n),
        func.max(_when(ranked.c.rank == median_rank, ranked.c.x)),
        func.max(_when(ranked.c.rank == p90_rank, ranked.c.x)),
    ).group_by(ranked.c.severity)
    return {
        int(severity): Spread(int(count), _float(median), _float(p90))
        for severity, count, median, p90 in core(session).execute(query)
    }


def _seconds_between(session: Session, start: Any, end: Any) -> ColumnElement[float]:
    """`end - start` in seconds, in each backend's own arithmetic (both store aware UTC)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.extract("epoch", end - start), Float)
    return cast(func.round((func.julianday(end) - func.julianday(start)) * 86400.0, 3), Float)  # julianday's float


def _when(condition: ColumnElement[bool], value: ColumnElement[float]) -> ColumnElement[float | None]:
    return case((condition, value), else_=None)


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None
