"""IncidentService: one method per user action (docs/behaviour.md, The slash command), one transaction each.

Each method parses what it still must (`--at`), loads the incident (row-locked when it changes
the incident), applies the pure rule from `bot.domain.incident`, writes the change, its timeline
entry and the Slack work to send (outbox rows) in the same transaction, and returns what
happened. A `UserError` raised anywhere rolls the transaction back: nothing is written.

Only what must be serialised is: numbering (the workspace row) and changes to the incident
itself (its row lock on PostgreSQL). A note (bot.notes) changes nothing on the incident, so it
takes no lock and writes only its entry and its timeline line: notes to one incident never wait
for each other (SQLite still runs one write transaction at a time, as it always does).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import deadlines
from bot.alerts.message import refresh_offers
from bot.changes import Changed, record
from bot.channel_moves import ChannelMoves
from bot.clock import Clock, utc_now, when
from bot.components import ComponentChanges, components_following, store_components
from bot.config import DEFAULTS
from bot.deadlines import Cadences
from bot.declare import open_with_trigger
from bot.domain import affects, markup
from bot.domain.catalog import Catalog, ComponentState
from bot.domain.declared import SourceMessage, impact_start
from bot.domain.impacts import set_impact
from bot.domain.incident import (
    DEFAULT_SEVERITY,
    Attack,
    Incident,
    Status,
    TimelineEntry,
    change_status,
    check_severity,
    clean_title,
    open_incident,
    reopen,
    set_attack,
    set_public_title,
    set_severity,
)
from bot.domain.language import checked_language
from bot.domain.roles import Role, change_role, check_person
from bot.domain.visibility import make_private, make_public
from bot.incident_reads import IncidentReads
from bot.lookup import Where, locate
from bot.message_copies import MessageCopies, copy_message
from bot.notes import Notes
from bot.outbox import store
from bot.outbox.effect import Effect
from bot.outbox.kinds.announce import Announce
from bot.outbox.kinds.create_channel import CreateChannel
from bot.outbox.kinds.invite import Invite
from bot.outbox.kinds.link_message import LinkMessage
from bot.outbox.kinds.open_incident_modal import OpenIncidentModal
from bot.outbox.kinds.post_card import PostCard
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.outbox.kinds.set_topic import SetTopic
from bot.outbox.kinds.tell_channel_ready import TellChannelReady
from bot.public_copies import withdraw
from bot.recurrence import record_recurrence
from bot.render import open_metadata
from bot.render.open_metadata import OpenedFrom
from bot.storage import members, numbering, repository
from bot.storage.db import Database
from bot.storage.repository import StoredIncident

Rule = Callable[[Incident, datetime], tuple[Incident, TimelineEntry]]  # a change: (incident, now) -> result


class IncidentService(IncidentReads, Notes, MessageCopies, ComponentChanges, ChannelMoves):
    """Every change to an incident; its reads (bot.incident_reads), notes (bot.notes), the Slack
    messages copied to its timeline (bot.message_copies), `affect` (bot.components) and the move to
    a private channel (bot.channel_moves) are parts of it kept by concept."""

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
        message: SourceMessage | None = None,
        session: Session | None = None,
    ) -> Changed:
        """A new incident; `private`: a private channel, no announcement, never public
        (docs/behaviour.md, Private incidents); `components`: catalog ids it affects from its
        start, and how badly (chosen in the open modal, or matched by an alert's labels); `message`:
        the message it is declared from, its timeline's first entry (bot.domain.declared);
        `session`: the caller's transaction (alerts declared as the incident, bot.triage)."""
        title = clean_title(title)
        check_severity(severity)
        with self.db.write() if session is None else nullcontext(session) as session:
            number = numbering.allocate_number(session=session, team_id=team_id)
            now = self.clock()  # read once the workspace row lock is held
            started = self._when(at, now) if message is None else impact_start(message, now)
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
            due = deadlines.on_open(incident, now, self.cadences)
            incident_id = repository.insert_incident(
                session=session,
                team_id=team_id,
                incident=incident,
                origin_channel=origin_channel,
                now=now,
                schedule=due,
            )
            effects: list[Effect] = [CreateChannel(), Invite(users=(actor,)), SetTopic(), PostCard()]
            if message is not None:  # copied first: the timeline starts with it (ties go in the order recorded)
                copied, _ = copy_message(session, incident_id, incident, team_id, message, now)
                effects += [
                    LinkMessage(entry_id=copied, channel=message.channel_id, ts=message.ts),
                    PostTimeline(copied),
                ]
            entry_id = repository.add_entry(session=session, incident_id=incident_id, entry=entry)
            effects.append(PostTimeline(entry_id=entry_id))
            affected = affects.at_open(
                self.catalog, components or {}, language=self.languages[0], actor=actor, at=started, now=now
            )
            if affected is not None:
                effects.append(PostTimeline(entry_id=store_components(session, incident_id, affected, now)))
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
            # the alert messages waiting for a decision offer it to *Add to incident* (not a private one)
            refresh_offers(session, team_id=team_id, before=None, after=incident, now=now)
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

    def set_attack(self, where: Where, *, actor: str, attack: Attack, first: bool = False) -> Changed:
        return self._apply(where, lambda i, now: set_attack(i, attack=attack, actor=actor, now=now, first=first))

    def set_private(self, where: Where, *, actor: str, private: bool) -> Changed:
        """Make the incident private (off the status page at once, its announcements and published
        updates withdrawn: bot.public_copies) or public (on the status page again from its next
        published update): docs/behaviour.md, Private incidents."""
        rule = make_private if private else make_public
        with self.db.write() as session:
            stored = locate(session, where)
            now = self.clock()  # read once the row lock is held
            changed, entry = rule(stored.incident, actor=actor, now=now)
            repository.unlist(session=session, incident_id=stored.id, now=now)
            recorded = self._record(session, stored, changed, entry, now)
            if not private:
                return recorded
            return replace(recorded, withdrawn=withdraw(session, incident_id=stored.id, now=now))

    def request_open_modal(
        self, *, team_id: str, trigger_id: str, severity: int, channel_id: str | None, private: bool, at: str | None
    ) -> None:
        """`/incident open` without a title: open the modal right after the ack (triggers last 3 s);
        `at` (`--at TIME`) is read now, refused before anything is stored, and carried in the modal."""
        now = self.clock()
        opened = OpenedFrom(channel_id=channel_id, started_at=when(at, now, self.zone) if at else None)
        with self.db.write() as session:
            metadata = open_metadata.write(opened)
            modal = OpenIncidentModal(
                trigger_id=trigger_id, severity=severity, private_metadata=metadata, private=private
            )
            open_with_trigger(session, team_id, modal, now)

    # --- shared steps ------------------------------------------------------------------------

    def _apply(self, where: Where, rule: Rule) -> Changed:
        """One change in one transaction: lock the incident, apply the rule, record it all."""
        with self.db.write() as session:
            stored = locate(session, where)
            now = self.clock()  # read once the row lock is held: a waiting writer must not act in the past
            changed, entry = rule(stored.incident, now)
            follows = components_following(
                session, stored, entry, now, components=self.catalog, language=self.languages[0], zone=self.zone
            )
            recorded = self._record(session, stored, changed, entry, now)
            if follows is not None:  # after the resolution or reopening that brought it
                resolution = entry.status_to is Status.RESOLVED
                entry_id = store_components(session, stored.id, follows, now, resolution=resolution)
                store.enqueue(session=session, incident_id=stored.id, effect=PostTimeline(entry_id=entry_id), now=now)
            return recorded

    def _when(self, at: str | None, now: datetime) -> datetime:
        """The moment a change happened: `--at TIME`, or now."""
        return when(at, now, self.zone)

    def _record(
        self,
        session: Session,
        stored: StoredIncident,
        changed: Incident,
        entry: TimelineEntry,
        now: datetime,
    ) -> Changed:
        """Write the change and all it brings (bot.changes), with this service's cadences."""
        return record(session, stored, changed, entry, now, self.cadences)
