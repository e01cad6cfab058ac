"""After the fire (docs/behaviour.md, After the fire): related incidents, follow-ups, the
retrospective and insights, one transaction per action, as in `bot.service`.

Each change writes its timeline entry and queues the Slack work (the timeline line, the card)
in the same transaction; a `UserError` anywhere rolls it all back.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.clock import Clock
from bot.domain import durations, markup
from bot.domain.aftermath import (
    FOLLOW_UP_REMINDER_EVERY,
    RETRO_REMINDER_WINDOW,
    RETRO_REMINDER_WORKING_DAYS,
    check_relation,
    clean_follow_up,
    follow_up_done_entry,
    follow_up_entry,
    groups,
    parse_due,
    relation_entry,
    retro_decision,
    retro_entry,
    working_days_before,
)
from bot.domain.alerts import AlertStatus
from bot.domain.incident import TimelineEntry
from bot.domain.insights import Insights
from bot.domain.reminders import promise_line, record
from bot.domain.retro import AlertOnRecord, Record, RetroState, UpdateOnRecord
from bot.domain.visibility import check_follow_up_finisher, involved
from bot.errors import NotFound, RuleRefused
from bot.lookup import Where, locate
from bot.outbox import store
from bot.outbox.kinds.post_direct_notice import PostDirectNotice
from bot.outbox.kinds.post_notice import PostNotice
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.outbox.kinds.update_card import UpdateCard
from bot.outbox.kinds.upload_retro import UploadRetro
from bot.render.notices import follow_up_reminder, retro_reminder
from bot.render.people import in_follow_up, in_page, in_related, in_timeline
from bot.render.retro import markdown
from bot.storage import aftermath, alerts, drafts, insights, members, pages, reminders, repository
from bot.storage.db import Database
from bot.storage.repository import StoredIncident

STATS_WINDOWS = {"30d": 30, "90d": 90}


class AftermathService:
    def __init__(self, db: Database, *, zone: ZoneInfo, clock: Clock) -> None:
        self.db = db
        self.zone = zone
        self.clock = clock

    # --- related incidents -------------------------------------------------------------------

    def relate(self, where: Where, *, actor: str, other_number: int, linked: bool) -> TimelineEntry:
        with self.db.write() as session:
            stored = locate(session, where)
            other = locate(
                session, Where(team_id=stored.team_id, number=other_number, user_id=where.user_id), lock=False
            )
            check_relation(stored.incident, other.incident)
            now = self.clock()
            if linked:
                if not aftermath.link(session=session, first_id=stored.id, second_id=other.id, actor=actor, now=now):
                    raise RuleRefused(f"{stored.incident.name} and {other.incident.name} are already related.")
            elif not aftermath.unlink(session=session, first_id=stored.id, second_id=other.id):
                raise RuleRefused(f"{stored.incident.name} and {other.incident.name} are not related.")
            entry = relation_entry(other=other.incident, linked=linked, actor=actor, now=now)
            _record(session, stored, entry, now)
            return entry

    # --- follow-ups --------------------------------------------------------------------------

    def add_follow_up(
        self, where: Where, *, actor: str, text: str, owner: str | None, due: str | None
    ) -> tuple[int, TimelineEntry]:
        text = clean_follow_up(text)
        with self.db.write() as session:
            stored = locate(session, where)
            now = self.clock()
            due_date = parse_due(due, now=now, zone=self.zone) if due is not None else None
            if owner is not None:
                _check_owner(session, owner)
            follow_up_id = aftermath.add_follow_up(
                session=session,
                team_id=stored.team_id,
                incident_id=stored.id,
                text=text,
                owner=owner,
                due=due_date,
                actor=actor,
                now=now,
            )
            entry = follow_up_entry(
                follow_up_id=follow_up_id, text=text, owner=owner, due=due_date, actor=actor, now=now
            )
            _record(session, stored, entry, now)
            return follow_up_id, entry

    def finish_follow_up(
        self, *, team_id: str, follow_up_id: int, actor: str, channel_id: str | None = None
    ) -> TimelineEntry:
        """Done, by anyone who may change the incident, or its owner (`channel_id`: where asked)."""
        with self.db.write() as session:
            found = aftermath.get_follow_up(session=session, team_id=team_id, follow_up_id=follow_up_id)
            if found is None:
                raise NotFound(f"There is no follow-up #{follow_up_id} in this workspace.")
            stored = repository.get_by_id(session=session, incident_id=found.incident_id)
            owner = found.follow_up.owner
            check_follow_up_finisher(
                stored.incident, follow_up_id=follow_up_id, owner=owner, user_id=actor, channel_id=channel_id
            )
            now = self.clock()
            if not aftermath.finish_follow_up(session=session, follow_up_id=follow_up_id, actor=actor, now=now):
                raise RuleRefused(f"Follow-up #{follow_up_id} is already done.")
            entry = follow_up_done_entry(follow_up_id=follow_up_id, text=found.follow_up.text, actor=actor, now=now)
            _record(session, stored, entry, now)
            return entry

    # --- the retrospective -------------------------------------------------------------------

    def decide_retro(self, where: Where, *, actor: str, state: RetroState, reason: str = "") -> TimelineEntry:
        note = retro_decision(state, reason=reason)
        with self.db.write() as session:
            stored = locate(session, where)
            if stored.incident.status.is_open:
                raise RuleRefused(f"{stored.incident.name} is still open: close it before marking its retrospective.")
            now = self.clock()
            if not aftermath.decide_retro(session=session, incident_id=stored.id, state=state, note=note, now=now):
                current = aftermath.retro_status(session=session, incident_id=stored.id)
                raise RuleRefused(f"The retrospective of {stored.incident.name} is already {current.state.value}.")
            entry = retro_entry(state, note, actor=actor, now=now)
            _record(session, stored, entry, now)
            return entry

    def request_retro(self, where: Where, *, actor: str) -> Record:
        """Render the retrospective now and queue its upload to the incident channel."""
        with self.db.write() as session:
            stored = locate(session, where, lock=False)
            if stored.incident.channel_id is None and not stored.channel_name:
                raise RuleRefused(f"{stored.incident.name} has no channel yet: try again in a moment.")
            now = self.clock()
            record = _read_record(session, stored, now=now, zone=self.zone)
            name = stored.incident.name
            state = " (a draft: the incident is still open)" if record.is_draft else ""
            upload = UploadRetro(
                filename=f"{name}-retrospective.md",
                title=f"{name} retrospective, {now.astimezone(self.zone):%Y-%m-%d %H:%M:%S %Z}",
                comment=markup.escape(f"Retrospective of {name}{state}, built from the record."),
                document=markdown(record),
            )
            store.enqueue(session=session, incident_id=stored.id, effect=upload, now=now)
            return record

    def record(self, where: Where) -> Record:
        """Everything the retrospective says, read in one transaction."""
        now = self.clock()
        with self.db.read() as session:
            stored = locate(session, where, lock=False)
            return _read_record(session, stored, now=now, zone=self.zone)

    # --- reminders after the fire -------------------------------------------------------------

    def send_due_reminders(self, *, team_id: str) -> int:
        """Queue workspace `team_id`'s reminders due now, each claimed in the database so that
        several processes send it once: owners of overdue follow-ups (again each week while
        overdue; in the incident's channel, or directly to an owner a private incident does not
        involve), and the lead of an incident whose retrospective is still pending 3 working days
        after the close."""
        now = self.clock()
        today = now.astimezone(self.zone).date()
        queued = 0
        with self.db.write() as session:
            overdue = aftermath.claim_overdue_follow_ups(
                session=session, team_id=team_id, today=today, reminded_before=now - FOLLOW_UP_REMINDER_EVERY, now=now
            )
            for found in overdue:
                incident = repository.get_by_id(session=session, incident_id=found.incident_id).incident
                text = follow_up_reminder(found.follow_up, incident.name, today)
                owner = found.follow_up.owner
                if incident.private and owner is not None and owner not in involved(incident):
                    # not in its private channel (as far as the bot knows): told directly
                    notice = PostDirectNotice(user=owner, text=text)
                    store.enqueue(session=session, incident_id=None, team_id=found.team_id, effect=notice, now=now)
                    continue
                store.enqueue(session=session, incident_id=found.incident_id, effect=PostNotice(text=text), now=now)
            due_before = working_days_before(now, RETRO_REMINDER_WORKING_DAYS, self.zone)
            pending = aftermath.claim_retro_reminders(
                session=session,
                team_id=team_id,
                resolved_after=due_before - RETRO_REMINDER_WINDOW,
                resolved_before=due_before,
                now=now,
            )
            for stored in pending:
                text = retro_reminder(stored.incident)
                store.enqueue(session=session, incident_id=stored.id, effect=PostNotice(text=text), now=now)
            queued = len(overdue) + len(pending)
        return queued

    # --- insights ----------------------------------------------------------------------------

    def insights(self, *, team_id: str, since: datetime, until: datetime | None = None) -> Insights:
        until = until or self.clock()
        with self.db.read() as session:
            counts = insights.by_severity(session=session, team_id=team_id, since=since, until=until)
            spreads = insights.spreads(session=session, team_id=team_id, since=since, until=until)
            pairs = aftermath.linked_numbers(session=session, team_id=team_id, since=since, until=until)
            promised = insights.promises(session=session, team_id=team_id, since=since, until=until)
            acknowledge = insights.time_to_acknowledge(session=session, team_id=team_id, since=since, until=until)
        return Insights(
            since=since,
            until=until,
            by_severity=counts,
            spreads=spreads,
            repeat_groups=groups(pairs),
            promises=promised,
            acknowledge=acknowledge,
        )

    def recent_insights(self, *, team_id: str, window: str) -> Insights:
        now = self.clock()
        return self.insights(team_id=team_id, since=now - timedelta(days=STATS_WINDOWS[window]), until=now)


def _check_owner(session: Session, owner: str) -> None:
    member = members.get(session=session, user_id=owner)
    if member is not None:
        check_person_as_owner(is_bot=member.is_bot, deleted=member.deleted)


def check_person_as_owner(*, is_bot: bool, deleted: bool) -> None:
    """A guest may own an action (a contractor fixing their part); an app or a deactivated account not."""
    if is_bot:
        raise RuleRefused("An app or bot cannot own a follow-up: mention a person.")
    if deleted:
        raise RuleRefused("That Slack account is deactivated, so it cannot own a follow-up.")


def _record(session: Session, stored: StoredIncident, entry: TimelineEntry, now: datetime) -> None:
    entry_id = repository.add_entry(session=session, incident_id=stored.id, entry=entry)
    for effect in (PostTimeline(entry_id=entry_id), UpdateCard(entry_id=entry_id)):
        store.enqueue(session=session, incident_id=stored.id, effect=effect, now=now)


def _read_record(session: Session, stored: StoredIncident, *, now: datetime, zone: ZoneInfo) -> Record:
    incident = stored.incident
    entries = [item.entry for item in repository.timeline(session=session, incident_id=stored.id)]
    updates = [
        UpdateOnRecord(
            at=draft.decided_at or draft.created_at,
            by=draft.decided_by or draft.created_by,
            language=draft.language,
            length=draft.length,
            status=draft.status,
            text=draft.text,
        )
        for draft in drafts.published(session=session, incident_id=stored.id)
    ]
    related = aftermath.related(session=session, incident_id=stored.id)
    follow_ups = aftermath.follow_ups(session=session, incident_id=stored.id)
    retro = aftermath.retro_status(session=session, incident_id=stored.id)
    kept = promise_line(record(reminders.promises(session=session, incident_id=stored.id), now), zone)
    people = in_timeline(incident, entries) | {update.by for update in updates}
    people = people.union(*map(in_follow_up, follow_ups), *map(in_related, related))
    attached = [
        AlertOnRecord(
            name=alert.name,
            labels={name: value for name, value in alert.labels.items() if group.common_labels.get(name) != value},
            source=group.sender,
            first_fired_at=alert.first_fired_at,
            resolved_at=alert.state.ends_at if alert.state.status is AlertStatus.RESOLVED else None,
            acknowledged_at=alert.state.acknowledged_at,
        )
        for alert, group in alerts.attached_to(session=session, incident_id=stored.id)
    ]
    paged = pages.of_incident(session=session, incident_id=stored.id)
    people = people.union(*map(in_page, paged))
    return Record(
        incident=incident,
        entries=entries,
        durations=durations.compute(incident, entries, until=now),
        names=members.names(session=session, user_ids=people),
        zone=zone,
        updates=updates,
        related=related,
        follow_ups=follow_ups,
        alerts=attached,
        pages=paged,
        promises=kept or "",
        retro_state=retro.state,
        retro_note=retro.note,
    )
