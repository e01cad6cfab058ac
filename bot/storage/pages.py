"""Page requests and pages in SQL (`page_request`, `page`): bot.domain.paging.

Same conventions as the other stores: keyword-only session, the caller owns the transaction.
What must happen once across processes is a conditional UPDATE with RETURNING (psycopg 3 reports
no reliable rowcount): the first acknowledgement of a request (`acknowledge`), the step taken when
nobody answered (`claim_step`), an answer to one page (`answer`). Reads populate the session
afresh, since the updates here go through the connection (`bot.storage.sql.core`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, update
from sqlmodel import Session, col, select

from bot.domain.paging import Page, PageRequest, PageState, RequestState, Target, TargetKind, Via
from bot.storage.paging_tables import PageRequestRow, PageRow
from bot.storage.sql import core

OPEN_STATES = (PageState.WAITING.value, PageState.SENT.value)
WAITING_STATES = tuple(state.value for state in RequestState if state.waiting)


def _request(row: PageRequestRow) -> PageRequest:
    assert row.id is not None
    return PageRequest(
        id=row.id,
        incident_id=row.incident_id,
        target=Target(TargetKind(row.target_kind), row.target_ref, row.label),
        paged_by=row.paged_by,
        created_at=row.created_at,
        state=RequestState(row.state),
        group=row.group_label,
        escalate_at=row.escalate_at,
        escalation=row.escalation,
        escalated_at=row.escalated_at,
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at,
        unanswered_at=row.unanswered_at,
    )


def _page(row: PageRow, request: PageRequest) -> Page:
    assert row.id is not None
    return Page(
        id=row.id,
        request=request,
        user_id=row.user_id,
        via=Via(row.via),
        state=PageState(row.state),
        created_at=row.created_at,
        sent_at=row.sent_at,
        channel=row.channel,
        ts=row.ts,
        answered_at=row.answered_at,
    )


def _fresh(query: Any) -> Any:
    return query.execution_options(populate_existing=True)


# --- writing -------------------------------------------------------------------------------------


def add_request(
    *, session: Session, incident_id: int, team_id: str, target: Target, group: str, paged_by: str, now: datetime
) -> int:
    row = PageRequestRow(
        incident_id=incident_id,
        team_id=team_id,
        target_kind=target.kind.value,
        target_ref=target.ref,
        label=target.label,
        group_label=group,
        paged_by=paged_by,
        created_at=now,
        state=RequestState.OPEN.value,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def add_pages(
    *, session: Session, request_id: int, incident_id: int, people: Sequence[str], via: Via, now: datetime
) -> list[int]:
    """One page per person, waiting for its direct message; their ids, in the order given."""
    rows = [
        PageRow(
            request_id=request_id,
            incident_id=incident_id,
            user_id=person,
            via=via.value,
            state=PageState.WAITING.value,
            created_at=now,
        )
        for person in people
    ]
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows if row.id is not None]


def sent(
    *, session: Session, page_id: int, channel: str, ts: str, sent_at: datetime, escalate_after: timedelta
) -> None:
    """The page's direct message went (`ts`, at `sent_at`): the page waits for an answer, and its
    request's escalation time starts from the first message of its latest round."""
    row = session.exec(_fresh(select(PageRow).where(PageRow.id == page_id))).first()
    if row is None:
        return
    core(session).execute(
        update(PageRow)
        .where(col(PageRow.id) == page_id)
        .values(
            channel=channel,
            ts=ts,
            sent_at=sent_at,
            state=_when_waiting(PageState.SENT.value),
        )
    )
    latest_round = RequestState.ESCALATED.value if row.via == Via.ESCALATION.value else RequestState.OPEN.value
    core(session).execute(
        update(PageRequestRow)
        .where(
            col(PageRequestRow.id) == row.request_id,
            col(PageRequestRow.state) == latest_round,
            col(PageRequestRow.escalate_at).is_(None),
            col(PageRequestRow.acknowledged_by).is_(None),
        )
        .values(escalate_at=sent_at + escalate_after)
    )


def _when_waiting(state: str) -> Any:
    """`state` for a page still waiting for its message; an answered one keeps its answer."""
    return case((col(PageRow.state) == PageState.WAITING.value, state), else_=col(PageRow.state))


def acknowledge(*, session: Session, request_id: int, user_id: str, now: datetime) -> bool:
    """The first acknowledgement of the request, once whatever the number of people or processes
    pressing at once: True for the one that won."""
    won = core(session).execute(
        update(PageRequestRow)
        .where(
            col(PageRequestRow.id) == request_id,
            col(PageRequestRow.acknowledged_by).is_(None),
            col(PageRequestRow.state).in_(WAITING_STATES),
        )
        .values(
            state=RequestState.ACKNOWLEDGED.value,
            acknowledged_by=user_id,
            acknowledged_at=now,
            escalate_at=None,
        )
        .returning(col(PageRequestRow.id))
    )
    return won.first() is not None


def answer(*, session: Session, page_id: int, state: PageState, now: datetime, allowed: Sequence[PageState]) -> bool:
    """Record one person's answer to their page if it is still in one of the `allowed` states."""
    won = core(session).execute(
        update(PageRow)
        .where(col(PageRow.id) == page_id, col(PageRow.state).in_([each.value for each in allowed]))
        .values(state=state.value, answered_at=now)
        .returning(col(PageRow.id))
    )
    return won.first() is not None


def close_open(*, session: Session, request_id: int, state: PageState, now: datetime) -> list[int]:
    """Every page of the request still waiting for an answer gets `state` (someone else took it,
    or it was paged again); their ids."""
    closed = core(session).execute(
        update(PageRow)
        .where(col(PageRow.request_id) == request_id, col(PageRow.state).in_(OPEN_STATES))
        .values(state=state.value, answered_at=now)
        .returning(col(PageRow.id))
    )
    return sorted(int(page_id) for (page_id,) in closed if page_id is not None)


def due_now(*, session: Session, request_id: int, now: datetime) -> None:
    """Everyone of the request's latest round said no: its next step is due at once."""
    core(session).execute(
        update(PageRequestRow)
        .where(
            col(PageRequestRow.id) == request_id,
            col(PageRequestRow.state).in_([RequestState.OPEN.value, RequestState.ESCALATED.value]),
            col(PageRequestRow.acknowledged_by).is_(None),
        )
        .values(escalate_at=now)
    )


def claim_step(
    *, session: Session, request_id: int, seen: RequestState, to: RequestState, now: datetime, escalation: str = ""
) -> bool:
    """Take the step due for a request nobody answered (escalated, or unanswered), once across
    processes: only while it is still as `seen`, unacknowledged and due."""
    values: dict[str, Any] = {"state": to.value, "escalate_at": None}
    if to is RequestState.ESCALATED:
        values |= {"escalated_at": now, "escalation": escalation}
    else:
        values["unanswered_at"] = now
    won = core(session).execute(
        update(PageRequestRow)
        .where(
            col(PageRequestRow.id) == request_id,
            col(PageRequestRow.state) == seen.value,
            col(PageRequestRow.acknowledged_by).is_(None),
            col(PageRequestRow.escalate_at).is_not(None),
            col(PageRequestRow.escalate_at) <= now,
        )
        .values(**values)
        .returning(col(PageRequestRow.id))
    )
    return won.first() is not None


def end_open(*, session: Session, incident_id: int, now: datetime) -> list[int]:
    """The incident was resolved: each of its requests still waiting for an answer or a step ends
    (its escalation time with it, in the resolution's transaction: no process takes that step,
    however late or after a restart, as `claim_step` needs one), and so does each page still
    waiting for an answer (its `answered_at`: when); the ended pages' ids. A request the channel
    was told nobody answered keeps saying so (its *Page again* works after a reopening)."""
    waiting = [RequestState.OPEN.value, RequestState.ESCALATED.value]
    core(session).execute(
        update(PageRequestRow)
        .where(col(PageRequestRow.incident_id) == incident_id, col(PageRequestRow.state).in_(waiting))
        .values(state=RequestState.ENDED.value, escalate_at=None)
    )
    ended = core(session).execute(
        update(PageRow)
        .where(col(PageRow.incident_id) == incident_id, col(PageRow.state).in_(OPEN_STATES))
        .values(state=PageState.ENDED.value, answered_at=now)
        .returning(col(PageRow.id))
    )
    return sorted(int(page_id) for (page_id,) in ended if page_id is not None)


def replace(*, session: Session, request_id: int) -> bool:
    """Paged again: the request stops waiting (a newer one asks), once."""
    won = core(session).execute(
        update(PageRequestRow)
        .where(col(PageRequestRow.id) == request_id, col(PageRequestRow.state).in_(WAITING_STATES))
        .values(state=RequestState.REPLACED.value, escalate_at=None)
        .returning(col(PageRequestRow.id))
    )
    return won.first() is not None


def start_escalated(*, session: Session, request_id: int, escalation: str, now: datetime) -> None:
    """A new request that pages the escalation group from the start (*Page again* after an
    escalation): its time counts from the escalation group's messages, and its next step is the
    channel's "nobody answered", not that group a second time."""
    core(session).execute(
        update(PageRequestRow)
        .where(col(PageRequestRow.id) == request_id)
        .values(state=RequestState.ESCALATED.value, escalated_at=now, escalation=escalation)
    )


# --- reading -------------------------------------------------------------------------------------


def get_request(*, session: Session, request_id: int) -> PageRequest | None:
    row = session.exec(_fresh(select(PageRequestRow).where(PageRequestRow.id == request_id))).first()
    return _request(row) if row is not None else None


def get(*, session: Session, page_id: int) -> Page | None:
    row = session.exec(_fresh(select(PageRow).where(PageRow.id == page_id))).first()
    if row is None:
        return None
    request = get_request(session=session, request_id=row.request_id)
    if request is None:
        return None
    if row.state != PageState.REPLACED.value:
        return _page(row, request)
    newer = select(PageRow.state).where(
        col(PageRow.incident_id) == row.incident_id, col(PageRow.user_id) == row.user_id, col(PageRow.id) > page_id
    )
    states = set(session.exec(newer))  # a later page already answered is no newer message to answer
    waiting = bool(states & set(OPEN_STATES))
    return dataclasses.replace(_page(row, request), asked_again=waiting, paged_since=bool(states))


def of_request(*, session: Session, request: PageRequest) -> list[Page]:
    query = select(PageRow).where(PageRow.request_id == request.id).order_by(col(PageRow.id))
    return [_page(row, request) for row in session.exec(_fresh(query))]


def of_incident(*, session: Session, incident_id: int) -> list[Page]:
    """Every page of the incident, each with its request, in the order paged (the retrospective's)."""
    requests = {request.id: request for request in requests_of(session=session, incident_id=incident_id)}
    query = select(PageRow).where(PageRow.incident_id == incident_id).order_by(col(PageRow.id))
    return [_page(row, requests[row.request_id]) for row in session.exec(_fresh(query))]


def open_since(
    *, session: Session, incident_id: int, user_ids: Sequence[str], told_unanswered: bool = True
) -> dict[str, datetime]:
    """Who of these people has a page of the incident still waiting for an answer, since when
    (`told_unanswered=False`: not counting the pages of requests the channel was told nobody
    answered, which a new page replaces: `replace_told_unanswered`)."""
    query = select(PageRow.user_id, PageRow.created_at).where(
        PageRow.incident_id == incident_id,
        col(PageRow.state).in_(OPEN_STATES),
        col(PageRow.user_id).in_(list(user_ids)),
    )
    if not told_unanswered:
        query = query.join(PageRequestRow, col(PageRequestRow.id) == col(PageRow.request_id)).where(
            col(PageRequestRow.state) != RequestState.UNANSWERED.value
        )
    found: dict[str, datetime] = {}
    for user_id, created_at in session.exec(_fresh(query)):
        found.setdefault(user_id, created_at)
    return found


def replace_told_unanswered(*, session: Session, incident_id: int, user_ids: Sequence[str], now: datetime) -> list[int]:
    """These people are paged anew: their pages still open in requests nobody answered (the
    channel was told so; or the incident was resolved meanwhile) are closed as paged again, as
    *Page again* closes them; their ids."""
    told = select(PageRequestRow.id).where(
        PageRequestRow.incident_id == incident_id, PageRequestRow.state == RequestState.UNANSWERED.value
    )
    closed = core(session).execute(
        update(PageRow)
        .where(
            col(PageRow.incident_id) == incident_id,
            col(PageRow.user_id).in_(list(user_ids)),
            col(PageRow.state).in_(OPEN_STATES),
            col(PageRow.request_id).in_(told),
        )
        .values(state=PageState.REPLACED.value, answered_at=now)
        .returning(col(PageRow.id))
    )
    return sorted(int(page_id) for (page_id,) in closed if page_id is not None)


def requests_of(*, session: Session, incident_id: int) -> list[PageRequest]:
    """The incident's requests, oldest first (the card's and the retrospective's)."""
    query = select(PageRequestRow).where(PageRequestRow.incident_id == incident_id).order_by(col(PageRequestRow.id))
    return [_request(row) for row in session.exec(_fresh(query))]


def components_paged(*, session: Session, incident_id: int) -> list[str]:
    """The catalog components the incident paged (their ids, once each, in the order first paged)."""
    query = (
        select(PageRequestRow.target_ref)
        .where(PageRequestRow.incident_id == incident_id, PageRequestRow.target_kind == TargetKind.COMPONENT.value)
        .order_by(col(PageRequestRow.id))
    )
    return list(dict.fromkeys(session.exec(query)))


def due(*, session: Session, team_id: str, now: datetime) -> list[int]:
    """Requests of the workspace whose next step is due, earliest first (ix_page_request_escalate_at)."""
    query = (
        select(PageRequestRow.id)
        .where(
            col(PageRequestRow.escalate_at).is_not(None),
            col(PageRequestRow.escalate_at) <= now,
            col(PageRequestRow.team_id) == team_id,
        )
        .order_by(col(PageRequestRow.escalate_at))
    )
    return [int(request_id) for request_id in session.exec(query) if request_id is not None]


def earliest(*, session: Session, team_id: str) -> datetime | None:
    """When the workspace's next request falls due (None: no request is waiting on a timer)."""
    query = (
        select(PageRequestRow.escalate_at)
        .where(col(PageRequestRow.escalate_at).is_not(None), col(PageRequestRow.team_id) == team_id)
        .order_by(col(PageRequestRow.escalate_at))
        .limit(1)
    )
    return session.exec(query).first()
