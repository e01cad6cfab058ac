"""The status page's reads: listed incidents with their published drafts, one indexed query each.

An incident is listed from its first published update (`listed_at`, set at Publish); it reads
as open until an update saying resolved is published (`public_resolved_at`). Three partial
indexes serve the three shapes: open (`ix_incident_public_open`), resolved since a cutoff
(`ix_incident_public_resolved`), the most recently listed (`ix_incident_listed`). Drafts are
joined through `ix_draft_incident_state`. Nothing else of the incident is read: not its title,
timeline, notes or people. Private incidents never: see `_NEVER_PRIVATE`.

Each incident comes with its component impacts (bot.storage.history, one more indexed query).

`version` is one primary-key lookup: it goes up (`changed`, `changed_if_listed`) in the same
transaction as every write of something these reads return, so a page rendered from a read
made after reading version V shows at least everything up to V. Whoever stores something new
that the page shows must call one of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CompoundSelect, Select, any_, case, exists, func, literal, or_, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlmodel import Session, col

from bot.domain.affects import ComponentImpact
from bot.domain.drafts import DraftState
from bot.domain.incident import Status
from bot.domain.public import ListedIncident, PublishedUpdate
from bot.storage import history
from bot.storage.tables import (
    LISTED,
    PUBLIC_OPEN,
    PUBLIC_RESOLVED,
    DraftRow,
    IncidentRow,
    PublicVersionRow,
)
from bot.storage.utc import UtcDateTime

_INCIDENT = (
    col(IncidentRow.id),
    col(IncidentRow.public_title),
    col(IncidentRow.severity),
    col(IncidentRow.listed_at),
    col(IncidentRow.public_started_at),
    col(IncidentRow.public_resolved_at),
    col(IncidentRow.total_seconds),
)
_DRAFT = (
    col(DraftRow.id),
    col(DraftRow.created_at),
    col(DraftRow.status),
    col(DraftRow.language),
    col(DraftRow.length),
    col(DraftRow.text),
    col(DraftRow.decided_at),
    col(DraftRow.corrected_at),
)


def version(*, session: Session | Connection) -> int | None:
    """The version of what the public can read (None: no version row, so nothing may be cached)."""
    found = session.execute(select(col(PublicVersionRow.version)).where(col(PublicVersionRow.id) == 1)).scalar()
    return int(found) if found is not None else None


def changed_at(*, session: Session) -> datetime | None:
    """When what the public can read last changed, by any change (None: not since the upgrade)."""
    return session.execute(select(col(PublicVersionRow.changed_at)).where(col(PublicVersionRow.id) == 1)).scalar()


def first_served(*, session: Session, now: datetime) -> datetime:
    """When a public page was first served with nothing public to date it: `now` the first time
    this is asked, the same ever after, in every process (an empty feed's `updated`)."""
    stored = col(PublicVersionRow.first_served_at)
    found: datetime | None = session.execute(select(stored).where(col(PublicVersionRow.id) == 1)).scalar()
    if found is not None:
        return found
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    kept = session.connection().execute(
        insert(PublicVersionRow)
        .values(id=1, version=0, first_served_at=now)
        .on_conflict_do_update(
            index_elements=["id"], set_={"first_served_at": func.coalesce(stored, literal(now, UtcDateTime()))}
        )
        .returning(stored)
    )
    first: datetime | None = kept.scalar_one()
    return first or now


def changed(*, session: Session, at: datetime) -> None:
    """Something the public can read changed at `at`, in this transaction (the row lock orders
    writers; the row is made again if it went missing)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stored, moment = col(PublicVersionRow.changed_at), literal(at, UtcDateTime())
    later = case((or_(stored.is_(None), stored < moment), moment), else_=stored)  # never backwards
    session.connection().execute(
        insert(PublicVersionRow)
        .values(id=1, version=1, changed_at=at)
        .on_conflict_do_update(
            index_elements=["id"], set_={"version": PublicVersionRow.version + 1, "changed_at": later}
        )
    )


def shown_differently(*, session: Session, incident_id: int, severity: int, public_title: str | None) -> bool:
    """Would the page show this listed incident differently with this severity and public title?
    (Asked before saving an incident: a note or a status change alone changes nothing public.)"""
    differs = exists().where(
        col(IncidentRow.id) == incident_id,
        LISTED,
        (col(IncidentRow.severity) != severity)
        | (func.coalesce(col(IncidentRow.public_title), "") != (public_title or "")),
    )
    return bool(session.execute(select(differs)).scalar())


def changed_if_listed(*, session: Session, incident_id: int, at: datetime) -> None:
    """`changed`, when the incident is on the status page (an unlisted one changes nothing public)."""
    listed = select(exists().where(col(IncidentRow.id) == incident_id, LISTED))
    if session.execute(listed).scalar():
        changed(session=session, at=at)


# Private incidents never show (docs/behaviour.md, Private incidents): made private they are unlisted
# at once, Publish is refused while they are; and should a row say otherwise, nothing of them is read.
# Made public again, only what was published from then on shows.
_NEVER_PRIVATE = (
    col(IncidentRow.private).is_(False),
    or_(col(IncidentRow.public_since).is_(None), col(DraftRow.decided_at) >= col(IncidentRow.public_since)),
)


def _open_ids() -> Select[Any]:
    return select(col(IncidentRow.id)).where(PUBLIC_OPEN)


def _resolved_ids(since: datetime) -> Select[Any]:
    return select(col(IncidentRow.id)).where(PUBLIC_RESOLVED, col(IncidentRow.public_resolved_at) >= since)


def page(*, session: Session, resolved_since: datetime) -> list[ListedIncident]:
    """Incidents the public reads as open, and those resolved since `resolved_since`."""
    return _read(session, union_all(_open_ids(), _resolved_ids(resolved_since)))


def left_and_changed(*, session: Session, resolved_before: datetime) -> tuple[datetime | None, datetime | None]:
    """When the incident that left the page last had been resolved (it left RESOLVED_SHOWN_FOR
    later: the newest public resolution before `resolved_before`, None if none), and `changed_at`:
    one statement, as the page needs both and on PostgreSQL each statement is a round trip."""
    left = select(func.max(col(IncidentRow.public_resolved_at))).where(
        PUBLIC_RESOLVED, col(IncidentRow.public_resolved_at) < resolved_before
    )
    changed = select(col(PublicVersionRow.changed_at)).where(col(PublicVersionRow.id) == 1)
    found = session.connection().execute(select(left.scalar_subquery(), changed.scalar_subquery())).one()
    return found[0], found[1]


def unresolved(*, session: Session) -> list[ListedIncident]:
    return _read(session, _open_ids())


def recent(*, session: Session, limit: int) -> list[ListedIncident]:
    """The `limit` incidents listed most recently, open or resolved."""
    latest = select(col(IncidentRow.id)).where(LISTED).order_by(col(IncidentRow.listed_at).desc()).limit(limit)
    return _read(session, select(latest.subquery().c.id))


def listed(*, session: Session, incident_id: int) -> ListedIncident | None:
    """One incident as the public may read it now (None: not listed, or private): what its
    subscribers are sent is what the page shows, never more."""
    found = _read(session, select(col(IncidentRow.id)).where(col(IncidentRow.id) == incident_id, LISTED))
    return found[0] if found else None


def _read(session: Session, chosen: Select[Any] | CompoundSelect[Any]) -> list[ListedIncident]:
    """The chosen incidents' published drafts, looked up by the few chosen ids in
    ix_draft_incident_state, never a scan of every draft. SQLite plans `IN (chosen)` so.
    PostgreSQL misjudges how many incidents are open (listed and unresolved are independent to
    it: ~2% of all rows instead of a handful) and hash-joins a scan of every published draft;
    `= ANY(ARRAY(chosen))` runs the choice first (an InitPlan) and looks its ids up instead
    (48 ms -> 0.7 ms with 100,000 incidents, see BENCHMARKS.md)."""
    if session.get_bind().dialect.name == "postgresql":
        among = col(DraftRow.incident_id) == any_(func.array(chosen.scalar_subquery()))
    else:
        among = col(DraftRow.incident_id).in_(chosen)
    query = (
        select(*_INCIDENT, *_DRAFT)
        .select_from(DraftRow)
        .join(IncidentRow, col(IncidentRow.id) == col(DraftRow.incident_id))
        .where(among, col(DraftRow.state) == DraftState.PUBLISHED)
        .where(*_NEVER_PRIVATE)
    )
    rows: Sequence[Any] = session.connection().execute(query).all()  # Core rows: no ORM result machinery
    return _incidents(rows, history.of_incidents(session=session, incident_ids={row[0] for row in rows}))


_STATUS = {status.value: status for status in Status}  # a dict lookup: calling the enum costs more, per draft


def _incidents(rows: Sequence[Any], impacts: dict[int, list[ComponentImpact]]) -> list[ListedIncident]:
    heads: dict[int, Any] = {}
    updates: dict[int, list[PublishedUpdate]] = {}
    for row in rows:
        key, title, severity, listed_at, started_at, resolved_at, seconds, *draft = row
        heads.setdefault(key, (title, severity, listed_at, started_at, resolved_at, seconds))
        draft_id, batch, status, language, length, text, published_at, corrected_at = draft
        updates.setdefault(key, []).append(
            PublishedUpdate(
                draft_id=draft_id,
                batch=batch,
                status=_STATUS[status],
                language=language,
                length=length,
                text=text,
                published_at=published_at,
                corrected_at=corrected_at,
            )
        )
    return [
        ListedIncident(
            key=key,
            public_title=title or "",
            severity=severity,
            listed_at=listed_at,
            started_at=started_at or listed_at,
            resolved_at=resolved_at,
            lasted=timedelta(seconds=seconds) if seconds is not None else None,
            updates=tuple(updates[key]),
            impacts=tuple(impacts.get(key, ())),
        )
        for key, (title, severity, listed_at, started_at, resolved_at, seconds) in heads.items()
    ]
