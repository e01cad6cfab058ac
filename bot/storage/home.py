"""The App Home in SQL: who looks at it, the refresh requests changes leave, and the indexed reads
one person's Home is built from (docs/behaviour.md, The App Home). Same conventions as the
repository: keyword-only session, the caller owns the transaction.

Every read is bounded: open incidents through `ix_incident_open_severity` (a workspace's open ones,
the most severe first), the
last resolved ones through `ix_incident_team_resolved` (newest first, however many there are), a
person's follow-ups through `ix_follow_up_open_owner`; lists are cut at `limit` and counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, delete, exists, func, insert, literal, or_, update
from sqlmodel import Session, col, select

from bot.domain.home import RECENT_VIEWERS, WaitingPage
from bot.domain.paging import PageState, Target, TargetKind, Via
from bot.storage.home_tables import HomeRefreshRow, HomeViewerRow
from bot.storage.paging_tables import PageRequestRow, PageRow
from bot.storage.repository import StoredIncident, stored_incident
from bot.storage.sql import core, upsert
from bot.storage.tables import OPEN, RESOLVED, FollowUpRow, IncidentRow
from bot.storage.utc import UtcDateTime

OPEN_PAGE_STATES = [state.value for state in PageState if state.is_open]

# --- who looks at it ---------------------------------------------------------------------------


def opened(*, session: Session, team_id: str, user_id: str, now: datetime) -> None:
    """`user_id` opened the Home now (kept current for a while after: `recent_viewers`); their next
    publish goes whatever it shows (what they last saw is forgotten)."""
    seen = {"opened_at": now, "published_digest": None}
    statement: Any = upsert(session)(HomeViewerRow).values(team_id=team_id, user_id=user_id, **seen)
    session.execute(statement.on_conflict_do_update(index_elements=["team_id", "user_id"], set_=seen))


def published_digest(*, session: Session, team_id: str, user_id: str) -> str | None:
    """The digest of the view last published for `user_id` (None: none to compare with)."""
    query = select(HomeViewerRow.published_digest).where(
        HomeViewerRow.team_id == team_id, HomeViewerRow.user_id == user_id
    )
    return session.exec(query).first()


def published(*, session: Session, team_id: str, user_id: str, digest: str) -> None:
    """The view of `digest` was published for `user_id`."""
    core(session).execute(
        update(HomeViewerRow)
        .where(col(HomeViewerRow.team_id) == team_id, col(HomeViewerRow.user_id) == user_id)
        .values(published_digest=digest)
    )


def viewers(
    *, session: Session, team_id: str, since: datetime, user_id: str | None = None
) -> dict[str, datetime | None]:
    """Who opened the Home since `since` (only `user_id`, when given), with when their next
    `views.publish` may go at the earliest (None: at once)."""
    query = select(HomeViewerRow.user_id, HomeViewerRow.next_publish_at).where(
        HomeViewerRow.team_id == team_id, col(HomeViewerRow.opened_at) >= since
    )
    if user_id is not None:
        query = query.where(HomeViewerRow.user_id == user_id)
    return {str(user): at for user, at in session.exec(query)}


_NEXT_PUBLISH = (
    update(HomeViewerRow)
    .where(col(HomeViewerRow.team_id) == bindparam("team"), col(HomeViewerRow.user_id) == bindparam("user"))
    .values(next_publish_at=bindparam("at"))
)


def set_next_publishes(*, session: Session, team_id: str, at: Mapping[str, datetime]) -> None:
    """The earliest each viewer's next `views.publish` may go."""
    if at:
        core(session).execute(_NEXT_PUBLISH, [{"team": team_id, "user": user, "at": when} for user, when in at.items()])


# --- what changed --------------------------------------------------------------------------------


def request_refresh(
    *, session: Session, now: datetime, incident_id: int | None = None, team_id: str | None = None
) -> None:
    """A change shows on the Home: ask for the Homes of the workspace (the incident's, or `team_id`)
    to be published again, when anyone opened theirs in the last 7 days (`RECENT_VIEWERS`); else
    nothing is written. One statement, appending a row: no change waits for another."""
    since = now - RECENT_VIEWERS
    if incident_id is not None:
        team: Any = select(IncidentRow.team_id).where(col(IncidentRow.id) == incident_id).scalar_subquery()
    elif team_id is not None:
        team = literal(team_id)
    else:
        return
    watched = exists().where(col(HomeViewerRow.team_id) == team, col(HomeViewerRow.opened_at) >= since)
    asked = select(team.label("team_id"), literal(now, UtcDateTime()).label("requested_at")).where(watched)
    core(session).execute(insert(HomeRefreshRow).from_select(["team_id", "requested_at"], asked))


def take_refresh(*, session: Session, team_id: str) -> bool:
    """Take the workspace's refresh requests (one refresh answers them all); True when there were any."""
    taken = core(session).execute(delete(HomeRefreshRow).where(col(HomeRefreshRow.team_id) == team_id))
    return bool(taken.rowcount)


def refresh_requests(*, session: Session, team_id: str | None = None) -> int:
    """Refresh requests not taken yet (of `team_id`, when given)."""
    query = select(func.count()).select_from(HomeRefreshRow)
    if team_id is not None:
        query = query.where(HomeRefreshRow.team_id == team_id)
    return int(session.exec(query).one())


# --- what one person's Home shows -------------------------------------------------------------------


def mine(*, session: Session, team_id: str, user_id: str, limit: int) -> tuple[list[StoredIncident], int]:
    """Open incidents `user_id` leads, runs comms for or scribes: the most severe first, at most
    `limit`, and how many there are."""
    return _open(session, team_id, _holds(user_id), limit)


def others(
    *, session: Session, team_id: str, user_id: str, guest: bool, limit: int
) -> tuple[list[StoredIncident], int]:
    """Every other open incident `user_id` may see: public ones, and private ones they opened
    (those whose roles they hold are theirs already); a guest sees public ones only."""
    opener = col(IncidentRow.opened_by) == user_id
    shown = _public() if guest else or_(_public(), opener)
    return _open(session, team_id, and_(_holds_none(user_id), shown), limit)


def _open(session: Session, team_id: str, which: ColumnElement[bool], limit: int) -> tuple[list[StoredIncident], int]:
    where = (IncidentRow.team_id == team_id, OPEN, which)  # OPEN: ix_incident_open_severity's own condition
    query = select(IncidentRow).where(*where).order_by(col(IncidentRow.severity), col(IncidentRow.number).desc())
    shown = [stored_incident(row) for row in session.exec(query.limit(limit))]
    if len(shown) < limit:
        return shown, len(shown)
    return shown, int(session.exec(select(func.count()).select_from(IncidentRow).where(*where)).one())


def waiting_pages(*, session: Session, team_id: str, user_id: str, limit: int) -> tuple[list[WaitingPage], int]:
    """`user_id`'s pages still waiting for their answer, oldest first (paged at: when this page
    was made, an escalation's when it escalated), at most `limit`, and how many there are."""
    where = (
        col(PageRow.user_id) == user_id,
        col(PageRow.state).in_(OPEN_PAGE_STATES),
        col(PageRequestRow.id) == col(PageRow.request_id),
        col(PageRequestRow.team_id) == team_id,
        col(IncidentRow.id) == col(PageRow.incident_id),
        OPEN,
    )
    query = select(PageRow, PageRequestRow, IncidentRow).where(*where).order_by(col(PageRow.created_at))
    found = [_waiting(page, request, incident) for page, request, incident in session.exec(query.limit(limit))]
    if len(found) < limit:
        return found, len(found)
    return found, int(session.exec(select(func.count()).where(*where)).one())  # FROM: the tables `where` names


def _waiting(page: PageRow, request: PageRequestRow, incident: IncidentRow) -> WaitingPage:
    """A page escalated to its person says through which group and for what (not the on-call
    group nobody of answered)."""
    stored = stored_incident(incident).incident
    if page.via == Via.ESCALATION.value:
        target = Target(TargetKind(request.target_kind), request.target_ref, request.label)
        return WaitingPage(page.id or 0, stored, request.paged_by, page.created_at, request.escalation, target)
    return WaitingPage(page.id or 0, stored, request.paged_by, page.created_at, request.group_label)


def resolved(
    *, session: Session, team_id: str, user_id: str, guest: bool, limit: int
) -> list[tuple[StoredIncident, float | None]]:
    """The last `limit` incidents resolved that `user_id` may see, newest first, with the total
    duration the close stored (seconds)."""
    query = (
        select(IncidentRow)
        .where(IncidentRow.team_id == team_id, RESOLVED, _shown(user_id, guest))  # RESOLVED: the index's condition
        .order_by(col(IncidentRow.resolved_at).desc())
        .limit(limit)
    )
    return [(stored_incident(row), row.total_seconds) for row in session.exec(query)]


def follow_ups(
    *, session: Session, team_id: str, user_id: str, guest: bool, limit: int
) -> tuple[list[tuple[FollowUpRow, StoredIncident]], int]:
    """`user_id`'s open follow-ups, soonest due first (none due last), at most `limit`, and how
    many there are: a member's of any incident (one of a private incident is theirs to finish,
    bot.domain.visibility), a guest's of public incidents only (as `list`)."""
    where = (
        col(FollowUpRow.owner) == user_id,
        col(FollowUpRow.done_at).is_(None),
        col(FollowUpRow.team_id) == team_id,
        col(IncidentRow.id) == col(FollowUpRow.incident_id),
        *((_public(),) if guest else ()),
    )
    query = (
        select(FollowUpRow, IncidentRow)
        .where(*where)
        .order_by(col(FollowUpRow.due).is_(None), col(FollowUpRow.due), col(FollowUpRow.id))
        .limit(limit)
    )
    found = [(follow_up, stored_incident(incident)) for follow_up, incident in session.exec(query)]
    if len(found) < limit:
        return found, len(found)
    counted = (
        select(func.count())
        .select_from(FollowUpRow)
        .join(IncidentRow, col(IncidentRow.id) == col(FollowUpRow.incident_id))
    )
    return found, int(session.exec(counted.where(*where)).one())


def _holds(user_id: str) -> ColumnElement[bool]:
    """`user_id` holds one of the incident's roles."""
    return or_(col(IncidentRow.lead) == user_id, col(IncidentRow.comms) == user_id, col(IncidentRow.scribe) == user_id)


def _holds_none(user_id: str) -> ColumnElement[bool]:
    """`user_id` holds none of the incident's roles (an unset role is no one: NULL is not unknown here)."""
    return and_(
        col(IncidentRow.lead) != user_id,
        func.coalesce(col(IncidentRow.comms), "") != user_id,
        func.coalesce(col(IncidentRow.scribe), "") != user_id,
    )


def _public() -> ColumnElement[bool]:
    return col(IncidentRow.private).is_(False)


def _shown(user_id: str, guest: bool) -> ColumnElement[bool]:
    """What `list` shows `user_id` (bot.domain.visibility): public incidents, and private ones they
    opened or hold a role in; a guest, public ones only."""
    return _public() if guest else or_(_public(), col(IncidentRow.opened_by) == user_id, _holds(user_id))
