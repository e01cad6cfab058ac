"""Workspace members in SQL, and the lease that lets one process at a time sync them.

Same conventions as the repository: keyword-only session, the caller owns the transaction.
A description is written only if it is at least as recent as the stored one (`updated_at`),
so a users.list page fetched before a `user_change` event cannot undo what the event said.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from bot.storage.member_tables import MemberRow, MemberSyncRow
from bot.storage.sql import core, upsert

USERS_LIST = "users.list"


@dataclass(frozen=True)
class Member:
    """What Slack says about a person, as far as the bot cares."""

    user_id: str
    team_id: str
    display_name: str
    real_name: str
    is_bot: bool = False
    deleted: bool = False
    is_restricted: bool = False
    is_ultra_restricted: bool = False
    locale: str | None = None  # None: Slack has not said (what is stored is kept)
    tz: str | None = None

    @property
    def is_guest(self) -> bool:
        return self.is_restricted or self.is_ultra_restricted

    @property
    def shown_name(self) -> str:
        """The name Slack shows: the display name, else the full name."""
        return self.display_name or self.real_name


def names(*, session: Session, user_ids: set[str]) -> dict[str, str]:
    """The names Slack shows for these members (display name, else full name), where known."""
    query = select(MemberRow).where(col(MemberRow.user_id).in_(user_ids))
    return {
        row.user_id: row.display_name or row.real_name
        for row in session.exec(query)
        if row.display_name or row.real_name
    }


def get(*, session: Session, user_id: str) -> Member | None:
    row = session.get(MemberRow, user_id)
    if row is None:
        return None
    return Member(
        user_id=row.user_id,
        team_id=row.team_id,
        display_name=row.display_name,
        real_name=row.real_name,
        is_bot=row.is_bot,
        deleted=row.deleted,
        is_restricted=row.is_restricted,
        is_ultra_restricted=row.is_ultra_restricted,
        locale=row.locale,
        tz=row.tz,
    )


def put(*, session: Session, members: Iterable[Member], learned_at: datetime) -> None:
    """Insert or update these members, unless what is stored was learned later than `learned_at`. A
    locale or time zone Slack did not say (None: an event or a page without them) keeps the stored one."""
    rows = [{**asdict(member), "updated_at": learned_at} for member in members]
    if not rows:
        return
    statement: Any = upsert(session)(MemberRow).values(rows)
    changed = {key: statement.excluded[key] for key in rows[0] if key != "user_id"}
    for kept in ("locale", "tz"):
        changed[kept] = func.coalesce(statement.excluded[kept], getattr(MemberRow, kept))
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["user_id"], set_=changed, where=col(MemberRow.updated_at) <= statement.excluded.updated_at
        )
    )


def count(*, session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(MemberRow)).one())


# --- the sync lease ----------------------------------------------------------------------------


def sync_name(team_id: str) -> str:
    """The lease's name for one workspace's users.list sync (at most the column's 32 characters)."""
    return f"{USERS_LIST} {team_id}"[:32]


def claim_sync(
    *, session: Session, team_id: str, worker: str, now: datetime, every: timedelta, lease: timedelta
) -> bool:
    """Claim workspace `team_id`'s users.list sync for `worker`: True unless another process holds
    it, or a sync of it finished less than `every` ago."""
    name = sync_name(team_id)
    session.execute(upsert(session)(MemberSyncRow).values(name=name).on_conflict_do_nothing())
    claimed = core(session).execute(
        update(MemberSyncRow)
        .where(
            col(MemberSyncRow.name) == name,
            or_(col(MemberSyncRow.claimed_until).is_(None), col(MemberSyncRow.claimed_until) < now),
            or_(col(MemberSyncRow.finished_at).is_(None), col(MemberSyncRow.finished_at) <= now - every),
        )
        .values(claimed_by=worker, claimed_until=now + lease)
        .returning(col(MemberSyncRow.name))
    )
    return claimed.first() is not None


def release_sync(*, session: Session, team_id: str, worker: str, finished_at: datetime | None) -> None:
    """Give the lease back; `finished_at` when the sync walked every page (else it may be retried)."""
    values: dict[str, Any] = {"claimed_by": None, "claimed_until": None}
    if finished_at is not None:
        values["finished_at"] = finished_at
    core(session).execute(
        update(MemberSyncRow)
        .where(col(MemberSyncRow.name) == sync_name(team_id), col(MemberSyncRow.claimed_by) == worker)
        .values(**values)
    )
