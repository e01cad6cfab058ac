"""IncidentService: one method per user action (docs/behaviour.md, The slash command), one transaction each.

Each method parses what it still must (`--at`), loads the incident (row-locked when it changes
the incident), applies the pure rule from `bot.domain.incident`, writes the change, its timeline
entry and the Slack work to send (outbox rows) in the same transaction, and returns what
happened. A `UserError` raised anywhere rolls the transaction back: nothing is written.

Only what must be serialised is: numbering (the workspace row) and changes to the incident
itself (its row lock on PostgreSQL). A note changes nothing on the incident, so it takes no lock
and writes only its entry and its timeline line: notes to one incident never wait for each
other (SQLite still runs one write transaction at a time, as it always does).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import deadlines
from bot.config import DEFAULTS
from bot.deadlines import Cadences
from bot.domain import affects, durations, markup, roles
from bot.domain.catalog import Catalog, ComponentState
from bot.domain.drafts import now_stale
from bot.domain.durations import Durations
from bot.domain.impacts import set_impact
from bot.domain.incident import (
    DEFAULT_SEVERITY,
    Attack,
    EntryKind,
    Incident,
    Status,
    TimelineEntry,
    add_message,
    add_note,
    change_status,
    check_severity,
    clean_title,
    format_name,
    open_incident,
    reopen,
    set_attack,
    set_public_title,
    set_severity,
)
from bot.domain.language import checked_language
from bot.domain.roles import Role, change_role, check_person
from bot.domain.timeparse import parse_at
from bot.domain.visibility import check_visible, make_private, make_public
from bot.errors import NotFound
from bot.outbox import store
from bot.outbox.effect import Effect
from bot.outbox.kinds.acknowledge_message import AcknowledgeMessage
from bot.outbox.kinds.announce import Announce
from bot.outbox.kinds.create_channel import CreateChannel
from bot.outbox.kinds.fetch_message import FetchMessage
from bot.outbox.kinds.invite import Invite
from bot.outbox.kinds.open_incident_modal import OpenIncidentModal
from bot.outbox.kinds.post_card import PostCard
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.outbox.kinds.set_topic import SetTopic
from bot.outbox.kinds.tell_channel_ready import TellChannelReady
from bot.outbox.kinds.update_card import UpdateCard
from bot.outbox.kinds.update_draft import UpdateDraft
from bot.recurrence import record_recurrence
from bot.render.people import in_timeline
from bot.storage import catalog, drafts, events, members, numbering, repository
from bot.storage.db import Database
from bot.storage.members import Member
from bot.storage.repository import StoredIncident

Clock = Callable[[], datetime]
TRIGGER_LIFETIME = timedelta(seconds=3)
Rule = Callable[[Incident, datetime], tuple[Incident, TimelineEntry]]  # a change: (incident, now) -> result


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Where:
    """Where a command was typed: the workspace, the channel, and the INC-n given (if any)."""

    team_id: str
    channel_id: str | None = None
    number: int | None = None
    user_id: str | None = None  # who asked (None: the bot itself): a private incident may refuse them


@dataclass(frozen=True)
class Changed:
    """The outcome of a change: the incident after it and the entry that records it."""

    incident: Incident
    entry: TimelineEntry
    durations: Durations | None = None


@dataclass(frozen=True)
class Timeline:
    incident: Incident
    entries: list[TimelineEntry]
    durations: Durations


class IncidentService:
    def __init__(
        self,
        db: Database,
        *,
        zone: ZoneInfo,
        clock: Clock = utc_now,
        cadences: Cadences = DEFAULTS.reminders,
        languages: tuple[str, ...] = DEFAULTS.languages,
        catalog: Catalog = DEFAULTS.catalog,
    ) -> None:
        self.db = db
        self.zone = zone
        self.clock = clock
        self.cadences = cadences  # INCIDENT_REMINDERS: the next-update deadline per severity
        self.languages = languages  # INCIDENT_LANGUAGES: the first is the default impact text's
        self.catalog = catalog  # INCIDENT_CATALOG: the components incidents affect

    # --- opening -----------------------------------------------------------------------------

    def open(
        self,
        *,
        team_id: str,
        actor: str,
        title: str,
        severity: int = DEFAULT_SEVERITY,
        at: str | None = None,
        origin_channel: str | None = None,
        response_url: str | None = None,
        private: bool = False,
        components: Mapping[str, ComponentState] | None = None,
    ) -> Changed:
        """A new incident; `private`: a private channel, no announcement, never public
        (docs/behaviour.md, Private incidents); `components`: catalog ids it affects from its
        start, and how badly (chosen in the open modal, or matched by an alert's labels)."""
        title = clean_title(title)
        check_severity(severity)
        with self.db.write() as session:
            number = numbering.allocate_number(session=session, team_id=team_id)
            now = self.clock()  # read once the workspace row lock is held
            started = self._when(at, now)
            incident, entry = open_incident(
                number=number,
                title=title,
                severity=severity,
                actor=actor,
                started_at=started,
                now=now,
                zone=self.zone,
                private=private,
            )
            incident_id = repository.insert_incident(
                session=session, team_id=team_id, incident=incident, origin_channel=origin_channel, now=now
            )
            entry_id = repository.add_entry(session=session, incident_id=incident_id, entry=entry)
            deadlines.on_open(session, incident_id, incident, now, self.cadences)
            effects: list[Effect] = [
                CreateChannel(),
                Invite(users=(actor,)),
                SetTopic(),
                PostCard(),
                PostTimeline(entry_id=entry_id),
            ]
            affected = affects.at_open(
                self.catalog, components or {}, language=self.languages[0], actor=actor, at=started, now=now
            )
            if affected is not None:
                effects.append(PostTimeline(entry_id=self._components(session, incident_id, affected, now)))
            recurrence = record_recurrence(
                session,
                team_id=team_id,
                incident_id=incident_id,
                incident=incident,
                actor=actor,
                now=now,
                zone=self.zone,
            )
            if recurrence is not None:  # "2nd similar incident in 7 days: ..." right after the opening line
                effects.append(PostTimeline(entry_id=recurrence[0]))
            if not private:  # a private incident is never announced (docs/behaviour.md, Private incidents)
                effects.append(Announce(entry_id=entry_id))
            effects += [
                # where the channel is: through the command's response_url, or (from the modal) an
                # ephemeral message in the channel the modal was opened from
                TellChannelReady(user=actor, response_url=response_url, origin=origin_channel),
            ]
            store.enqueue_all(session=session, incident_id=incident_id, effects=effects, now=now)
        return Changed(incident=incident, entry=entry)

    # --- status ------------------------------------------------------------------------------

    def set_status(
        self, where: Where, *, actor: str, status: Status, message: str = "", at: str | None = None
    ) -> Changed:
        return self._apply(
            where,
            lambda incident, now: change_status(
                incident, to=status, actor=actor, at=self._when(at, now), now=now, zone=self.zone, message=message
            ),
        )

    def close(self, where: Where, *, actor: str, summary: str = "", at: str | None = None) -> Changed:
        return self.set_status(where, actor=actor, status=Status.RESOLVED, message=summary, at=at)

    def reopen(self, where: Where, *, actor: str, reason: str = "") -> Changed:
        return self._apply(where, lambda incident, now: reopen(incident, actor=actor, now=now, reason=reason))

    # --- the other changes -------------------------------------------------------------------

    def note(self, where: Where, *, actor: str, text: str, at: str | None = None) -> Changed:
        """A timeline entry and its line in the channel; the incident itself is not written (or locked)."""
        if not self.db.is_sqlite:
            return self._note_in_two_statements(where, actor=actor, text=text, at=at)
        with self.db.write() as session:
            stored = locate(session, where, lock=False)
            now = self.clock()
            entry = add_note(stored.incident, text=text, actor=actor, at=self._when(at, now), now=now, zone=self.zone)
            entry_id = repository.add_entry(session=session, incident_id=stored.id, entry=entry)
            post = PostTimeline(entry_id=entry_id)  # the card shows no notes: it stays as it is
            store.enqueue(session=session, incident_id=stored.id, effect=post, now=now)
        return Changed(incident=stored.incident, entry=entry)

    def _note_in_two_statements(self, where: Where, *, actor: str, text: str, at: str | None) -> Changed:
        """PostgreSQL's `note`, the most frequent command, in two round trips and no transaction:
        the incident with an id drawn for its entry, then the entry and the outbox row that posts
        it in one statement. A note locks nothing, so reading outside the insert's statement is
        what the transaction gave too (READ COMMITTED): the same result, three round trips fewer."""
        with self.db.autocommit() as connection:
            found = repository.with_next_entry_id(
                connection, team_id=where.team_id, number=where.number, channel_id=where.channel_id
            )
            if found is None:
                raise _not_found(where)
            stored, entry_id = found
            _check_involved(stored.incident, where)
            now = self.clock()
            entry = add_note(stored.incident, text=text, actor=actor, at=self._when(at, now), now=now, zone=self.zone)
            post = store.row(
                incident_id=stored.id, team_id=stored.team_id, effect=PostTimeline(entry_id=entry_id), now=now
            )
            repository.add_entry_with_effect(
                connection, entry_id=entry_id, incident_id=stored.id, entry=entry, effect=post
            )
        return Changed(incident=stored.incident, entry=entry)

    def set_impact(self, where: Where, *, actor: str, text: str, language: str | None = None) -> Changed:
        """What customers experience, in `language` (None: the default one's); docs/behaviour.md, Public drafts."""
        if language is not None:
            language = checked_language(language)
        default = self.languages[0]
        return self._apply(
            where,
            lambda incident, now: set_impact(
                incident, text=text, language=language, default_language=default, actor=actor, now=now
            ),
        )

    def affect(
        self, where: Where, *, actor: str, component: str, state: ComponentState, at: str | None = None
    ) -> Changed:
        """`/incident affects`: the catalog component named (an id or a name) is in `state` from
        `at` (now by default) because of this incident (docs/behaviour.md, Components)."""
        chosen = self.catalog.lookup(component)
        with self.db.write() as session:
            stored = locate(session, where)
            now = self.clock()  # read once the row lock is held
            entry = affects.affect(
                stored.incident,
                catalog.impacts(session=session, incident_id=stored.id),
                chosen,
                state,
                language=self.languages[0],
                actor=actor,
                at=self._when(at, now),
                now=now,
                zone=self.zone,
            )
            changes = affects.read_changes(entry)
            catalog.record(session=session, incident_id=stored.id, changes=changes, at=entry.at, now=now)
            return self._record(session, stored, stored.incident, entry, now)

    def set_public_title(self, where: Where, *, actor: str, text: str) -> Changed:
        """The incident's name on the status page, stored in public words (no markup, no ids)."""
        with self.db.write() as session:
            stored = locate(session, where)
            names = members.names(session=session, user_ids=markup.user_ids(text))
            now = self.clock()  # read once the row lock is held
            changed, entry = set_public_title(
                stored.incident, text=markup.for_public(text, names), actor=actor, now=now
            )
            return self._record(session, stored, changed, entry, now)

    def set_severity(self, where: Where, *, actor: str, severity: int) -> Changed:
        return self._apply(where, lambda incident, now: set_severity(incident, severity=severity, actor=actor, now=now))

    def set_lead(self, where: Where, *, actor: str, lead: str) -> Changed:
        return self.set_role(where, actor=actor, role=Role.LEAD, person=lead)

    def set_role(self, where: Where, *, actor: str, role: Role, person: str | None) -> Changed:
        """Give a role to a person (a bot, a guest or a deactivated account is refused), or clear it."""
        with self.db.write() as session:
            stored = locate(session, where)
            member = members.get(session=session, user_id=person) if person else None
            if member is not None:
                check_person(role, is_bot=member.is_bot, is_guest=member.is_guest, deleted=member.deleted)
            now = self.clock()  # read once the row lock is held
            changed, entry = change_role(stored.incident, role=role, person=person, actor=actor, now=now)
            return self._record(session, stored, changed, entry, now)

    def set_attack(self, where: Where, *, actor: str, attack: Attack) -> Changed:
        return self._apply(where, lambda incident, now: set_attack(incident, attack=attack, actor=actor, now=now))

    def set_private(self, where: Where, *, actor: str, private: bool) -> Changed:
        """Make the incident private (off the status page at once) or public (on it again from its
        next published update): docs/behaviour.md, Private incidents."""
        rule = make_private if private else make_public
        with self.db.write() as session:
            stored = locate(session, where)
            now = self.clock()  # read once the row lock is held
            changed, entry = rule(stored.incident, actor=actor, now=now)
            repository.unlist(session=session, incident_id=stored.id, now=now)
            return self._record(session, stored, changed, entry, now)

    def request_message(self, *, channel_id: str, ts: str, requested_by: str, event_id: str | None) -> bool:
        """A :pushpin: on a message of an incident channel: fetch it after the ack, then add it.

        False (and nothing written) when the event was already handled, the channel is not an
        incident channel, or the message is already on the timeline.
        """
        now = self.clock()
        with self.db.write() as session:
            stored = repository.get_by_channel(session=session, channel_id=channel_id)
            if stored is None or repository.has_source(
                session=session, incident_id=stored.id, source=f"{channel_id}/{ts}"
            ):
                return False
            if event_id is not None and not events.remember_event(session=session, event_id=event_id, now=now):
                return False
            fetch = FetchMessage(channel=channel_id, ts=ts, user=requested_by)
            store.enqueue(session=session, incident_id=stored.id, effect=fetch, now=now)
            return True

    def add_message(
        self, *, channel_id: str, author: str, text: str, message_ts: str, added_by: str, bot_name: str | None = None
    ) -> Changed | None:
        """Copy a message of an incident channel to its timeline at its original time, once.

        None when that message is already on the timeline. A bot author (an alert integration) is
        remembered under its `bot_name`, so the timeline shows that name instead of an id.
        """
        now = self.clock()
        posted_at = datetime.fromtimestamp(float(message_ts), UTC)
        with self.db.write() as session:
            stored = repository.get_by_channel(session=session, channel_id=channel_id, for_update=True)
            if stored is None:
                raise NotFound("This is not an incident channel: only its own messages can join its timeline.")
            source = f"{channel_id}/{message_ts}"
            if repository.has_source(session=session, incident_id=stored.id, source=source):
                return None
            entry = add_message(stored.incident, text=text, author=author, posted_at=posted_at, now=now, source=source)
            entry_id = repository.add_entry(session=session, incident_id=stored.id, entry=entry)
            if bot_name:
                bot = Member(user_id=author, team_id=stored.team_id, display_name=bot_name, real_name="", is_bot=True)
                members.put(session=session, members=[bot], learned_at=now)
            acknowledge = AcknowledgeMessage(entry_id=entry_id, ts=message_ts, user=added_by)
            store.enqueue(session=session, incident_id=stored.id, effect=acknowledge, now=now)
            return Changed(incident=stored.incident, entry=entry)

    def request_open_modal(
        self, *, team_id: str, trigger_id: str, severity: int, channel_id: str | None, private: bool = False
    ) -> None:
        """`/incident open` without a title: open the modal right after the ack (triggers last 3 s)."""
        now = self.clock()
        with self.db.write() as session:
            modal = OpenIncidentModal(
                trigger_id=trigger_id, severity=severity, private_metadata=channel_id or "", private=private
            )
            expires_at = now + TRIGGER_LIFETIME
            store.enqueue(
                session=session, incident_id=None, team_id=team_id, effect=modal, now=now, expires_at=expires_at
            )

    # --- reading -----------------------------------------------------------------------------

    def list_incidents(
        self, *, team_id: str, everything: bool = False, viewer: str | None = None, channel_id: str | None = None
    ) -> list[Incident]:
        """Open (or the 20 most recent) incidents `viewer` may see asking in `channel_id`: private
        ones only to their people and in their channel (bot.domain.visibility); every one for the
        bot's own reads (`viewer=None`)."""
        with self.db.read() as session:
            if everything:
                rows = repository.list_recent(
                    session=session, team_id=team_id, viewer=viewer, channel_id=channel_id, limit=20
                )
            else:
                rows = repository.list_open(session=session, team_id=team_id, viewer=viewer, channel_id=channel_id)
            return [stored.incident for stored in rows]

    def timeline(self, where: Where, *, viewer: str | None = None) -> Timeline:
        """The whole timeline; asked by a person (`viewer`), a private incident's only to its people
        and in its own channel."""
        now = self.clock()
        with self.db.read() as session:
            stored = locate(session, where, lock=False)
            if viewer is not None:
                check_visible(stored.incident, user_id=viewer, channel_id=where.channel_id)
            entries = [item.entry for item in repository.timeline(session=session, incident_id=stored.id)]
        return Timeline(
            incident=stored.incident,
            entries=entries,
            durations=durations.compute(stored.incident, entries, until=now),
        )

    def outbox_counts(self) -> dict[str, int]:
        """Slack work by outbox state (pending, held, dead), for /metrics."""
        with self.db.read() as session:
            return store.count_by_state(session=session)

    def is_incident_channel(self, channel_id: str) -> bool:
        with self.db.read() as session:
            return repository.get_by_channel(session=session, channel_id=channel_id) is not None

    def names_for(self, incident: Incident, entries: list[TimelineEntry]) -> dict[str, str]:
        """Display names of everyone the timeline shows, from the users.info cache."""
        with self.db.read() as session:
            return members.names(session=session, user_ids=in_timeline(incident, entries))

    def get(self, where: Where) -> Incident:
        with self.db.read() as session:
            return locate(session, where, lock=False).incident

    # --- shared steps ------------------------------------------------------------------------

    def _apply(self, where: Where, rule: Rule) -> Changed:
        """One change in one transaction: lock the incident, apply the rule, record it all."""
        with self.db.write() as session:
            stored = locate(session, where)
            now = self.clock()  # read once the row lock is held: a waiting writer must not act in the past
            changed, entry = rule(stored.incident, now)
            follows = self._components_follow(session, stored, changed, entry, now)
            recorded = self._record(session, stored, changed, entry, now)
            if follows is not None:  # after the resolution or reopening that brought it
                resolution = entry.status_to is Status.RESOLVED
                line = PostTimeline(entry_id=self._components(session, stored.id, follows, now, resolution=resolution))
                store.enqueue(session=session, incident_id=stored.id, effect=line, now=now)
            return recorded

    def _components_follow(
        self, session: Session, stored: StoredIncident, changed: Incident, entry: TimelineEntry, now: datetime
    ) -> TimelineEntry | None:
        """What a resolution or a reopening does to the components the incident affects: returned
        to operational at the resolved time, or back as they were from the reopening on."""
        if entry.status_to is Status.RESOLVED and stored.incident.status.is_open:
            return affects.at_resolution(
                stored.incident,
                catalog.impacts(session=session, incident_id=stored.id),
                self.catalog,
                language=self.languages[0],
                actor=entry.actor,
                at=entry.at,
                now=now,
                zone=self.zone,
            )
        if entry.kind is EntryKind.REOPENED and stored.incident.resolved_at is not None:
            return affects.at_reopening(
                catalog.impacts(session=session, incident_id=stored.id),
                self.catalog,
                resolved_at=stored.incident.resolved_at,
                language=self.languages[0],
                actor=entry.actor,
                now=now,
            )
        return None

    def _components(
        self, session: Session, incident_id: int, entry: TimelineEntry, now: datetime, *, resolution: bool = False
    ) -> int:
        """Store a `components` entry and the impacts it changes (`resolution`: the incident's
        resolution ended them); the entry's id."""
        changes = affects.read_changes(entry)
        catalog.record(
            session=session, incident_id=incident_id, changes=changes, at=entry.at, now=now, resolution=resolution
        )
        return repository.add_entry(session=session, incident_id=incident_id, entry=entry)

    def _when(self, at: str | None, now: datetime) -> datetime:
        """The moment a change happened: `--at TIME`, or now."""
        return parse_at(at, now=now, zone=self.zone) if at else now

    def _record(
        self,
        session: Session,
        stored: StoredIncident,
        changed: Incident,
        entry: TimelineEntry,
        now: datetime,
    ) -> Changed:
        """Write the change, its entry, the durations at a close, and what Slack must show."""
        repository.save_incident(session=session, incident_id=stored.id, incident=changed, now=now)
        entry_id = repository.add_entry(session=session, incident_id=stored.id, entry=entry)
        deadlines.on_change(session, stored, changed, entry, now, self.cadences)
        measured = None
        if entry.status_to is Status.RESOLVED:
            entries = [item.entry for item in repository.timeline(session=session, incident_id=stored.id)]
            measured = durations.compute(changed, entries, until=now)
            repository.save_durations(session=session, incident_id=stored.id, durations=measured, now=now)
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
        store.enqueue_all(session=session, incident_id=stored.id, effects=effects, now=now)
        return Changed(incident=changed, entry=entry, durations=measured)


def locate(session: Session, where: Where, *, lock: bool = True) -> StoredIncident:
    """The incident named by `where` (row-locked unless `lock=False`), or NotFound."""
    if where.number is not None:
        stored = repository.get_by_number(session=session, team_id=where.team_id, number=where.number, for_update=lock)
    elif where.channel_id:
        stored = repository.get_by_channel(session=session, channel_id=where.channel_id, for_update=lock)
    else:
        stored = None
    if stored is None:
        raise _not_found(where)
    _check_involved(stored.incident, where)
    return stored


def _check_involved(incident: Incident, where: Where) -> None:
    """A private incident is read and changed only by its people and from its own channel
    (docs/behaviour.md, Private incidents); the bot's own work (no `user_id`) is not asked."""
    if where.user_id is not None:
        check_visible(incident, user_id=where.user_id, channel_id=where.channel_id)


def _not_found(where: Where) -> NotFound:
    if where.number is not None:
        return NotFound(f"There is no {format_name(where.number)} in this workspace.")
    return NotFound(
        "This is not an incident channel: name the incident right after the subcommand, "
        "e.g. `/incident note INC-7 <text>`."
    )


def _changes_topic(before: Incident, after: Incident) -> bool:
    return (before.severity, before.status, before.lead) != (after.severity, after.status, after.lead)
