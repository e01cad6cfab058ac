"""Slack user groups in SQL (`usergroup`): what pages to a group or a component's on-call group read.

Same conventions as the other stores: keyword-only session, the caller owns the transaction. A
description is written only if it is at least as recent as the stored one (Slack's `date_update`,
`updated`), so a `usergroups.list` round read before a `subteam_updated` event cannot undo it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.domain.usergroups import KnownGroup
from bot.storage.paging_tables import UserGroupRow
from bot.storage.sql import core, upsert


def _group(row: UserGroupRow) -> KnownGroup:
    return KnownGroup(
        id=row.id, handle=row.handle, name=row.name, members=tuple(row.members.split()), disabled=row.disabled
    )


def put(
    *,
    session: Session,
    team_id: str,
    group: KnownGroup,
    updated: int,
    learned_at: datetime,
    members_known: bool = True,
) -> bool:
    """Store what Slack says of a group, unless a newer description is stored; `members_known`
    False keeps the stored members (Slack truncates an event's list at 500). True when written."""
    values = {
        "id": group.id,
        "team_id": team_id,
        "handle": group.handle,
        "name": group.name,
        "disabled": group.disabled,
        "members": " ".join(group.members),
        "updated": updated,
        "learned_at": learned_at,
    }
    changed = {key: value for key, value in values.items() if key != "id" and (members_known or key != "members")}
    insert = upsert(session)(UserGroupRow).values(**values)
    statement = insert.on_conflict_do_update(
        index_elements=["id"],
        set_=changed,
        where=col(UserGroupRow.updated) <= updated,
    ).returning(col(UserGroupRow.id))
    return core(session).execute(statement).first() is not None


def change_members(
    *, session: Session, group_id: str, added: Sequence[str], removed: Sequence[str], updated: int, learned_at: datetime
) -> bool:
    """`subteam_members_changed`: people added to and removed from a known group (an unknown one
    waits for the next sync). True when the stored group changed."""
    row = session.exec(select(UserGroupRow).where(UserGroupRow.id == group_id).with_for_update()).first()
    if row is None or row.updated > updated:
        return False
    members = [member for member in row.members.split() if member not in set(removed)]
    members += [person for person in added if person not in members]
    row.members, row.updated, row.learned_at = " ".join(members), updated, learned_at
    session.add(row)
    return True


def get(*, session: Session, group_id: str) -> KnownGroup | None:
    row = session.get(UserGroupRow, group_id)
    return _group(row) if row is not None else None


def by_handle(*, session: Session, handle: str) -> KnownGroup | None:
    """The enabled group people mention as `@handle` (whatever the case), else a disabled one."""
    query = (
        select(UserGroupRow)
        .where(func.lower(UserGroupRow.handle) == handle.removeprefix("@").lower())
        .order_by(col(UserGroupRow.disabled))
    )
    row = session.exec(query).first()
    return _group(row) if row is not None else None


def handles(*, session: Session) -> list[str]:
    """The handles of the enabled groups, lower-cased (what a mistyped @handle is compared with)."""
    query = select(UserGroupRow.handle).where(col(UserGroupRow.disabled).is_(False))
    return sorted({handle.lower() for handle in session.exec(query)})
