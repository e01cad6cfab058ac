"""A group's triage message as outbox work: queued in the transaction of whatever changed it.

One pending edit covers every change made before it is sent (it renders the group as it is then),
so a storm of notifications queues one edit at a time per group, not one per notification. When
what *Add to incident* offers changes, every waiting message is edited, `OFFER_REFRESH` at a time
(`show_open_groups`, `bot.outbox.kinds.refresh_offers`).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.domain.incident import Incident
from bot.outbox import store
from bot.outbox.kinds.refresh_offers import RefreshOffers
from bot.outbox.kinds.show_triage import ShowTriage
from bot.outbox.triage_view import is_offered
from bot.storage import triage

# Waiting messages whose edits one transaction queues when what *Add to incident* offers changes,
# the most recently seen first; the next ones once the last of them was edited (`show_open_groups`).
OFFER_REFRESH = 50


def show(session: Session, *, group_id: int, team_id: str, now: datetime) -> bool:
    """Post or edit the group's message after the commit, unless an edit not yet claimed by a
    sender is already queued (it will show this change too); True when work was queued."""
    if store.waiting_in_group(session=session, alert_group_id=group_id, kind=ShowTriage.kind, now=now):
        # the App Homes list the group too: published again, for this change (the edit asked before it)
        store.refresh_homes(session=session, now=now, team_id=team_id)
        return False
    effect = ShowTriage(alert_group_id=group_id)
    store.enqueue(session=session, incident_id=None, team_id=team_id, effect=effect, now=now)
    return True


def show_after_incident(session: Session, *, group_id: int, incident_id: int, now: datetime) -> None:
    """Edit the group's message once more after the incident's own work (its channel created first),
    so that it links to the incident's channel."""
    effect = ShowTriage(alert_group_id=group_id, edit_only=True)
    store.enqueue(session=session, incident_id=incident_id, effect=effect, now=now)


def refresh_offers(session: Session, *, team_id: str, before: Incident | None, after: Incident, now: datetime) -> None:
    """An incident opened (`before` None), resolved, reopened, made private or public: when that
    changes whether *Add to incident* offers it, the waiting messages are edited (and the App
    Homes published again) in the same transaction, so a private or resolved incident's title
    stays on no one's menu."""
    if (before is not None and is_offered(before)) != is_offered(after):
        show_open_groups(session, team_id=team_id, now=now)


def show_open_groups(
    session: Session, *, team_id: str, now: datetime, before: tuple[datetime, int] | None = None
) -> None:
    """Edit the messages of the workspace's groups waiting for a decision (their *Add to incident*
    offers the open incidents as they are now), the most recently seen first: `OFFER_REFRESH` of
    them, and when there may be more, `RefreshOffers` behind the last one's edit, whose result
    has the next ones edited (`before`: after that group, in that order) once it went. A refresh
    from the first one makes the rest of an earlier one pointless: its `RefreshOffers` is settled."""
    if before is None:
        store.settle_waiting(
            session=session, team_id=team_id, kind=RefreshOffers.kind, now=now, note="a later refresh covers it"
        )
    page = triage.waiting_with_message(session=session, team_id=team_id, limit=OFFER_REFRESH, before=before)
    for group_id, _ in page:
        show(session, group_id=group_id, team_id=team_id, now=now)
    if len(page) == OFFER_REFRESH:
        last, seen = page[-1]
        rest = RefreshOffers(alert_group_id=last, team_id=team_id, seen_before=seen.isoformat())
        store.enqueue(session=session, incident_id=None, team_id=team_id, effect=rest, now=now)
