"""What sending an effect needs, read from storage when it is sent (`IncidentView`, one per effect of a batch).

Read at send time, not when the effect was recorded, so a card or topic sent after a backlog
shows the incident as it is now. An effect about a timeline entry or a draft (a field named
`entry_id`, `draft_id` or `page_id`: `AboutEntry`, `AboutDraft`, `AboutPage`) has that entry,
draft or page read too, and one about a reminder (`reminder_id`: `AboutReminder`) the reminder
and what answered it; a card (an effect whose kind `shows_card`) has the related incidents, the
follow-ups, the catalog components it affected and its pages read too; an effect
whose kind `shows_timeline`, the whole timeline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeGuard, runtime_checkable

from sqlmodel import Session

from bot.domain.affects import ComponentImpact
from bot.domain.alerts import Counts
from bot.domain.drafts import DraftRecord
from bot.domain.durations import Durations, compute
from bot.domain.incident import Incident, Status, TimelineEntry
from bot.domain.paging import Page, PageRequest
from bot.domain.reminders import PromiseRecord, ReminderMessage, record
from bot.domain.retro import FollowUp, RelatedIncident
from bot.domain.subscribers import Reach
from bot.render.people import in_draft, in_entry, in_follow_up, in_incident, in_page, in_related, in_requests
from bot.storage import (
    aftermath,
    announcements,
    catalog,
    deliveries,
    drafts,
    members,
    pages,
    reminder_messages,
    reminders,
    repository,
    triage,
)
from bot.storage.db import Database


class Viewed(Protocol):
    """An effect as reading its view sees it (`bot.outbox.effect.Effect`, which imports this module)."""

    @property
    def shows_card(self) -> bool: ...

    @property
    def shows_timeline(self) -> bool: ...

    @property
    def shows_public_copies(self) -> bool: ...


@runtime_checkable
class AboutEntry(Protocol):
    @property
    def entry_id(self) -> int | None: ...


@runtime_checkable
class AboutDraft(Protocol):
    @property
    def draft_id(self) -> int: ...


@runtime_checkable
class AboutReminder(Protocol):
    @property
    def reminder_id(self) -> int | None: ...


@runtime_checkable
class AboutPage(Protocol):
    @property
    def page_id(self) -> int: ...


# Whether each kind has the shape of each protocol above, found once per kind: a runtime-checkable
# protocol's isinstance takes tens of microseconds, and the views of a batch of 100 lines asked 400 times.
_SHAPES: dict[tuple[type, type], bool] = {}


def _shaped(effect: object, protocol: Any) -> bool:
    key = (type(effect), protocol)
    known = _SHAPES.get(key)
    if known is None:
        known = _SHAPES[key] = isinstance(effect, protocol)
    return known


def about_entry(effect: object) -> TypeGuard[AboutEntry]:
    return _shaped(effect, AboutEntry)


def about_draft(effect: object) -> TypeGuard[AboutDraft]:
    return _shaped(effect, AboutDraft)


def about_reminder(effect: object) -> TypeGuard[AboutReminder]:
    return _shaped(effect, AboutReminder)


def about_page(effect: object) -> TypeGuard[AboutPage]:
    return _shaped(effect, AboutPage)


@dataclass(frozen=True)
class IncidentView:
    """What the sender read from storage for one effect."""

    incident: Incident
    channel_name: str | None = None
    card_ts: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    entry: TimelineEntry | None = None
    durations: Durations | None = None
    promises: PromiseRecord | None = None  # at a close: the public updates promised and kept
    draft: DraftRecord | None = None
    reached: Reach | None = None  # a published draft: the status page subscribers it was sent to
    unnamed: frozenset[str] = frozenset()  # people shown whose names the members table lacks
    related: tuple[RelatedIncident, ...] = ()  # read for a card only (`shows_card`)
    follow_ups: tuple[FollowUp, ...] = ()  # read for a card only
    impacts: tuple[ComponentImpact, ...] = ()  # the catalog components it affected: read for a card only
    reminder: ReminderMessage | None = None  # a reminder's message and what answered it
    pages: tuple[PageRequest, ...] = ()  # the people paged for it: read for a card only
    alerts: Counts | None = None  # the alerts attached to it, by state (None: none): read for a card only
    page: Page | None = None  # the page a direct message is about (an effect with a `page_id`)
    page_locale: str | None = None  # its person's Slack locale, as the members table keeps it (bot.domain.readers)
    timeline: tuple[tuple[int, TimelineEntry], ...] = ()  # (id, entry), for an effect that `shows_timeline`
    # For an effect that `shows_public_copies`: its announcements (channel, ts) and its published
    # updates' posts in INCIDENT_STATUS_CHANNEL (ts)
    announced: tuple[tuple[str, str], ...] = ()
    published_posts: tuple[str, ...] = ()


def read_views(db: Database, effects: Sequence[Viewed], incident_id: int | None) -> tuple[IncidentView, ...]:
    """Everything sending a batch (of incident `incident_id`, or of its draft's) needs, read now (so
    cards and topics show the latest state): one view per effect, none when the work is about no
    incident; on SQLite in one transaction, on PostgreSQL outside any (`Database.read_each`: READ
    COMMITTED gives each statement a snapshot of its own anyway). A batch of plain timeline lines
    has the incident, the entries and the people's names read once for the whole batch (three
    statements, not two a line); any other effect, and a line about a close (its durations and
    promises), is read alone."""
    with db.read_each() as session:
        lines = _read_lines(session, effects, incident_id) if incident_id is not None else [None] * len(effects)
        views = [line or _read(session, effect, incident_id) for line, effect in zip(lines, effects, strict=True)]
    return tuple(view for view in views if view is not None)


def _read_lines(session: Session, effects: Sequence[Viewed], incident_id: int) -> list[IncidentView | None]:
    """The views of plain timeline lines (an entry, no draft, no card), read together; None for
    any other effect, and for a line that needs more (a close: its durations and promises)."""
    entry_ids = [
        effect.entry_id for effect in effects if about_entry(effect) and not about_draft(effect) and effect.entry_id
    ]
    if not entry_ids:
        return [None] * len(effects)
    stored = repository.get_by_id(session=session, incident_id=incident_id)
    if stored.incident.status is Status.RESOLVED:
        return [None] * len(effects)  # every line shows durations: read one by one
    entries = repository.get_entries(session=session, entry_ids=entry_ids)
    people = in_incident(stored.incident)
    for item in entries.values():
        people |= in_entry(item.entry)
    names = members.names(session=session, user_ids=people)
    unnamed = frozenset(p for p in people if p.startswith(("U", "W")) and p not in names)
    views: list[IncidentView | None] = []
    for effect in effects:
        entry_id = effect.entry_id if about_entry(effect) else None
        found = entries.get(entry_id) if entry_id and not about_draft(effect) else None
        if found is None or found.entry.status_to is Status.RESOLVED or effect.shows_card:
            views.append(None)
            continue
        views.append(
            IncidentView(
                incident=stored.incident,
                channel_name=stored.channel_name,
                card_ts=stored.card_ts,
                names=names,
                unnamed=unnamed,
                entry=found.entry,
            )
        )
    return views


def _read(session: Session, effect: Viewed, incident_id: int | None) -> IncidentView | None:
    draft_id = effect.draft_id if about_draft(effect) else None
    entry_id = effect.entry_id if about_entry(effect) else None
    draft = drafts.get(session=session, draft_id=draft_id) if draft_id else None
    page = pages.get(session=session, page_id=effect.page_id) if about_page(effect) else None
    incident_id = incident_id if draft is None else draft.incident_id
    if incident_id is None:
        return None
    stored = repository.get_by_id(session=session, incident_id=incident_id)
    entry = repository.get_entry(session=session, entry_id=entry_id).entry if entry_id else None
    durations = promises = None
    if stored.incident.status is Status.RESOLVED or (entry and entry.status_to is Status.RESOLVED):
        durations = _durations_until(session, stored.id, entry_id, stored.incident)
    if entry is not None and entry.status_to is Status.RESOLVED:
        made = reminders.promises(session=session, incident_id=stored.id, made_until=entry.recorded_at)
        promises = record(made, entry.recorded_at)
    people = in_incident(stored.incident)
    if entry is not None:
        people |= in_entry(entry)
    person = members.get(session=session, user_id=page.user_id) if page is not None else None
    if page is not None:
        people |= in_page(page)
    reached = None
    if draft is not None:
        people |= in_draft(draft)
        reached = deliveries.reach(session=session, draft_id=draft.id)
    reminder_id = effect.reminder_id if about_reminder(effect) else None
    reminder = reminder_messages.get(session=session, reminder_id=reminder_id) if reminder_id else None
    if reminder is not None and reminder.answer is not None:
        people |= in_entry(reminder.answer)
    related: tuple[RelatedIncident, ...] = ()
    follow_ups: tuple[FollowUp, ...] = ()
    impacts: tuple[ComponentImpact, ...] = ()
    requests: tuple[PageRequest, ...] = ()
    attached = None
    if effect.shows_card:
        attached = triage.incident_alerts(session=session, incident_id=stored.id)
        related = tuple(aftermath.related(session=session, incident_id=stored.id))
        follow_ups = tuple(aftermath.follow_ups(session=session, incident_id=stored.id))
        impacts = tuple(catalog.impacts(session=session, incident_id=stored.id))
        requests = tuple(pages.requests_of(session=session, incident_id=stored.id))
        people = people.union(*map(in_follow_up, follow_ups), *map(in_related, related), in_requests(requests))
    timeline: tuple[tuple[int, TimelineEntry], ...] = ()
    if effect.shows_timeline:  # the whole timeline, and how long it has lasted so far
        timeline = tuple((item.id, item.entry) for item in repository.timeline(session=session, incident_id=stored.id))
        durations = durations or _durations_until(session, stored.id, None, stored.incident)
        people = people.union(*(in_entry(entry) for _, entry in timeline))
    announced: tuple[tuple[str, str], ...] = ()
    published_posts: tuple[str, ...] = ()
    if effect.shows_public_copies:
        announced = tuple(announcements.of_incident(session=session, incident_id=stored.id))
        published = drafts.published(session=session, incident_id=stored.id)
        published_posts = tuple(draft.published_ts for draft in published if draft.published_ts)
    names = members.names(session=session, user_ids=people)
    unnamed = frozenset(p for p in people if p.startswith(("U", "W")) and p not in names)
    return IncidentView(
        incident=stored.incident,
        channel_name=stored.channel_name,
        card_ts=stored.card_ts,
        names=names,
        unnamed=unnamed,
        entry=entry,
        durations=durations,
        promises=promises,
        draft=draft,
        reached=reached,
        related=related,
        follow_ups=follow_ups,
        impacts=impacts,
        reminder=reminder,
        pages=requests,
        page=page,
        page_locale=person.locale if person else None,
        timeline=timeline,
        alerts=attached,
        announced=announced,
        published_posts=published_posts,
    )


def _durations_until(session: Session, incident_id: int, entry_id: int | None, incident: Incident) -> Durations:
    """Durations as they stood at `entry_id` (the close being reported), or now."""
    entries = repository.timeline(session=session, incident_id=incident_id)
    if entry_id:
        entries = [item for item in entries if item.id <= entry_id]
    until = max((item.entry.at for item in entries), default=None)
    return compute(incident, [item.entry for item in entries], until=until)
