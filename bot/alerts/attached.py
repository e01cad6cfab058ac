"""What a notification says on the incident its group is attached to (docs/behaviour.md, Alerts):
one timeline line per kind of change ("HighErrorRate resolved (3 of 3 resolved)", with the link
to its source), said by the source, and the card edited (it counts the alerts attached and says
when every one has resolved). Written in the notification's own transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from bot.domain.alerts import Change, Counts, StoredAlert, StoredGroup, source_actor
from bot.domain.triage import AlertEvent, AlertNews, alert_news_entry, names_of
from bot.outbox import store
from bot.outbox.effect import Effect
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.outbox.kinds.update_card import UpdateCard
from bot.storage import members, repository
from bot.storage.members import Member

EVENTS = {
    Change.NEW_FIRING: AlertEvent.FIRED,
    Change.FIRED_AGAIN: AlertEvent.FIRED_AGAIN,
    Change.RESOLVED: AlertEvent.RESOLVED,
    Change.NEW_RESOLVED: AlertEvent.RESOLVED,
    Change.ACKNOWLEDGED: AlertEvent.ACKNOWLEDGED,
}


def tell_incident(
    session: Session,
    group: StoredGroup,
    changed: Sequence[tuple[StoredAlert, Change]],
    counts: Counts,
    now: datetime,
) -> int:
    """Record the lines `changed` (alerts as stored after the change, with what changed) say on
    the group's incident, and the card's edit; how many lines."""
    assert group.incident_id is not None and group.team_id is not None
    by_event: dict[AlertEvent, list[StoredAlert]] = {}
    for alert, what in changed:
        if what in EVENTS:
            by_event.setdefault(EVENTS[what], []).append(alert)
    if not by_event:
        return 0
    began = repository.get_by_id(session=session, incident_id=group.incident_id).incident.impact_started_at
    actor = source_actor(group.sender)
    source = Member(user_id=actor, team_id=group.team_id, display_name=group.sender, real_name="", is_bot=True)
    members.put(session=session, members=[source], learned_at=now)
    effects: list[Effect] = []
    entry_id = 0
    for event, said in by_event.items():
        news = AlertNews(
            event,
            what=names_of([alert.name for alert in said]),
            changed=len(said),
            firing=counts.firing,
            resolved=counts.resolved,
            source=group.sender,
            link=_link(said) or group.external_url,
        )
        at = min(max(_when(event, said, now), began), now)
        entry = alert_news_entry(news, actor=actor, at=at, now=now)
        entry_id = repository.add_entry(session=session, incident_id=group.incident_id, entry=entry)
        effects.append(PostTimeline(entry_id=entry_id))
    effects.append(UpdateCard(entry_id=entry_id))
    store.enqueue_all(session=session, incident_id=group.incident_id, effects=effects, now=now)
    return len(by_event)


def _link(alerts: Sequence[StoredAlert]) -> str:
    """The first of these alerts' source links (Alertmanager's `generatorURL`), if any."""
    return next((link.url for alert in alerts for link in alert.links if link.label == "Source"), "")


def _when(event: AlertEvent, alerts: Sequence[StoredAlert], now: datetime) -> datetime:
    """When it happened, by the alerts' own times: the latest resolution or start among them."""
    if event is AlertEvent.RESOLVED:
        moments = [alert.state.ends_at for alert in alerts]
    elif event in (AlertEvent.FIRED, AlertEvent.FIRED_AGAIN):
        moments = [alert.state.starts_at for alert in alerts]
    else:
        moments = [alert.state.acknowledged_at for alert in alerts]
    return max((moment for moment in moments if moment is not None), default=now)
