"""What an incident made private takes back from everyone's view outside its channel
(docs/behaviour.md, Private incidents): its announcements and its published updates' posts,
edited through the outbox (`public.withdraw`) to say only that an incident was made private."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.domain.visibility import Withdrawn
from bot.outbox import store
from bot.outbox.kinds.withdraw_public import WithdrawPublic
from bot.storage import announcements, drafts


def withdraw(session: Session, *, incident_id: int, now: datetime) -> Withdrawn:
    """Queue the withdrawal, in the transaction that makes the incident private: always, since an
    announcement or update on its way now is withdrawn too once sent (it goes first)."""
    announced = tuple(channel for channel, _ in announcements.of_incident(session=session, incident_id=incident_id))
    updates = sum(1 for draft in drafts.published(session=session, incident_id=incident_id) if draft.published_ts)
    store.enqueue(session=session, incident_id=incident_id, effect=WithdrawPublic(), now=now)
    return Withdrawn(announced=announced, updates=updates)
