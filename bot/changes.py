"""What one change to an incident writes, in the transaction that made it: the incident, its
timeline entry, the next-update deadline, the durations at a close, the public drafts it makes
stale, and the Slack work that shows it (outbox rows). Every service that changes an incident
records it here, so a change shows the same way whichever command made it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot import deadlines
from bot.alerts.message import refresh_offers
from bot.deadlines import Cadences
from bot.domain import durations, roles
from bot.domain.drafts import now_stale
from bot.domain.durations import Durations
from bot.domain.incident import EntryKind, Incident, Status, TimelineEntry
from bot.domain.visibility import Withdrawn
from bot.outbox import store
from bot.outbox.effect import Effect
from bot.outbox.kinds import pagerduty_event
from bot.outbox.kinds.announce import Announce
from bot.outbox.kinds.invite import Invite
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.outbox.kinds.set_topic import SetTopic
from bot.outbox.kinds.update_card import UpdateCard
from bot.outbox.kinds.update_draft import UpdateDraft
from bot.outbox.kinds.update_page import UpdatePage
from bot.reminders import answer_reminders
from bot.storage import drafts, insights, pages, repository
from bot.storage.repository import StoredIncident


@dataclass(frozen=True)
class Changed:
    """The outcome of a change: the incident after it and the entry that records it."""

    incident: Incident
    entry: TimelineEntry
    durations: Durations | None = None
    withdrawn: Withdrawn | None = None  # made private: what was posted outside its channel, being withdrawn


def record(
    session: Session,
    stored: StoredIncident,
    changed: Incident,
    entry: TimelineEntry,
    now: datetime,
    cadences: Cadences,
) -> Changed:
    """Write the change, its entry, the durations at a close, and what Slack must show."""
    repository.save_incident(session=session, incident_id=stored.id, incident=changed, now=now)
    entry_id = repository.add_entry(session=session, incident_id=stored.id, entry=entry)
    if deadlines.on_change(session, stored, changed, entry, now, cadences):
        answer_reminders(session, incident_id=stored.id, entry_id=entry_id, now=now)
    measured = None
    if entry.status_to is Status.RESOLVED:
        entries = [item.entry for item in repository.timeline(session=session, incident_id=stored.id)]
        measured = durations.compute(changed, entries, until=now)
        insights.save_durations(session=session, incident_id=stored.id, durations=measured, now=now)
    if (changed.status, changed.attack) != (stored.incident.status, stored.incident.attack):
        proposed = drafts.proposed(session=session, incident_id=stored.id)
        for draft, reason in now_stale(proposed, changed):
            if drafts.mark_stale(session=session, draft_id=draft.id, reason=reason, now=now):
                update = UpdateDraft(draft_id=draft.id)
                store.enqueue(session=session, incident_id=stored.id, effect=update, now=now)
    effects: list[Effect] = []
    newcomers = roles.people(changed) - roles.people(stored.incident)
    if newcomers:  # a new role holder joins the channel
        effects.append(Invite(users=tuple(sorted(newcomers))))
    effects += [PostTimeline(entry_id=entry_id), UpdateCard(entry_id=entry_id)]
    if _changes_topic(stored.incident, changed):
        effects.append(SetTopic(entry_id=entry_id))
    if (entry.status_to is Status.RESOLVED or entry.kind is EntryKind.REOPENED) and not changed.private:
        effects.append(Announce(entry_id=entry_id))
    if entry.status_to is Status.RESOLVED and stored.incident.status.is_open:  # PagerDuty's too, after its triggers
        for component in pages.components_paged(session=session, incident_id=stored.id):
            effects.append(pagerduty_event.resolve(component, changed))
        # its pages still waiting end: no escalation, and their direct messages say no answer is needed
        effects += [
            UpdatePage(page_id=page_id) for page_id in pages.end_open(session=session, incident_id=stored.id, now=now)
        ]
    store.enqueue_all(session=session, incident_id=stored.id, effects=effects, now=now)
    # resolved, reopened, made private or public: the alert messages' *Add to incident* follows
    refresh_offers(session, team_id=stored.team_id, before=stored.incident, after=changed, now=now)
    return Changed(incident=changed, entry=entry, durations=measured)


def _changes_topic(before: Incident, after: Incident) -> bool:
    return (before.severity, before.status, before.lead) != (after.severity, after.status, after.lead)
