"""`AlertTriage`: what people (and rules) decide of a group of alerts (docs/behaviour.md, Alerts),
one transaction each, the group's row locked first.

- *Declare incident* opens an incident exactly as `/incident open` does (`IncidentService.open`,
  in the same transaction): the group's title and severity, its impact beginning when its earliest
  alert first fired, affecting the catalog components whose `alerts` matchers its common labels
  match (a partial outage, a major one for sev1: `bot.domain.affects.from_alert`); the group is
  attached to it, and the `oncall` group of each catalog component its common labels match is
  paged (`bot.paging`).
- *Add to incident* attaches the group to an open incident; *Dismiss* says it needs none.
- A rule with action `declare` declares the group at once or once it has fired `after` long
  (`declare_due`, a schedule of the reminder thread), opened by its source: the incident's opener
  and lead is the source (`bot.domain.alerts.source_actor`) until a person takes the lead.

Every decision raises the group's version; one made on a message rendered before is refused with
what happened instead (`bot.domain.triage.check_undecided`), and nothing is stored. The group's
message is edited afterwards through the outbox (`bot.alerts.message`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.alerts import message
from bot.changes import Changed
from bot.domain.affects import from_alert
from bot.domain.alerts import StoredGroup, Triage, source_actor
from bot.domain.incident import Incident, Status
from bot.domain.markup import from_words
from bot.domain.triage import AlertEvent, AlertNews, alert_news_entry, check_undecided
from bot.domain.visibility import check_visible
from bot.errors import NotFound, RuleRefused, UsageError
from bot.outbox import store
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.outbox.kinds.update_card import UpdateCard
from bot.paging import PagingService
from bot.render.actions import read_triage_value
from bot.service import IncidentService
from bot.storage import alerts, members, repository, triage
from bot.storage.db import Database
from bot.storage.members import Member

UNREADABLE = "That button carries nothing I can read; use the buttons of the message in the alert channel."


class AlertTriage:
    def __init__(
        self,
        db: Database,
        incidents: IncidentService,
        *,
        zone: ZoneInfo,
        clock: Callable[[], datetime],
        paging: PagingService | None = None,
    ):
        self.db = db
        self.incidents = incidents  # opens incidents exactly as /incident open does
        self.paging = paging  # pages the on-call groups of the components a declared group matches
        self.zone = zone
        self.clock = clock

    # --- what people decide --------------------------------------------------------------------

    def declare(
        self, *, team_id: str, value: str, actor: str, response_url: str | None = None, channel_id: str | None = None
    ) -> Changed:
        """*Declare incident*: a new incident with the group attached (the opener told where its
        channel is through `response_url`, as after `/incident open`)."""
        group_id, version, _ = _read(value)
        with self.db.write() as session:
            group = self._undecided(session, team_id, group_id, version)
            now = self.clock()
            return self._open(session, group, actor=actor, now=now, origin=channel_id, response_url=response_url)

    def add(self, *, team_id: str, value: str, actor: str) -> Incident:
        """*Add to incident*: the group joins the open incident chosen (its number is in the option)."""
        group_id, version, number = _read(value)
        if number is None:
            raise UsageError(UNREADABLE)
        with self.db.write() as session:
            group = self._undecided(session, team_id, group_id, version)
            stored = repository.get_by_number(session=session, team_id=team_id, number=number)
            if stored is None:
                raise NotFound("That incident is not in this workspace any more.")
            check_visible(stored.incident, user_id=actor, channel_id=None)
            if stored.incident.status is Status.RESOLVED:
                raise RuleRefused(f"{stored.incident.name} is resolved: reopen it first, or declare a new incident.")
            now = self.clock()
            self._attach(session, group, stored.id, Triage.ATTACHED, actor=actor, now=now)
            return stored.incident

    def dismiss(self, *, team_id: str, value: str, actor: str) -> StoredGroup:
        """*Dismiss*: no incident for these alerts; the message says who decided so."""
        group_id, version, _ = _read(value)
        with self.db.write() as session:
            group = self._undecided(session, team_id, group_id, version)
            now = self.clock()
            triage.decide(session=session, group_id=group.id, triage=Triage.DISMISSED, actor=actor, now=now)
            message.show(session, group_id=group.id, team_id=team_id, now=now)
            return group

    # --- what rules decide ---------------------------------------------------------------------

    def send_due(self, *, team_id: str) -> int:
        """A schedule round: groups received before the workspace was known are shown, then the
        groups a rule declares by now are declared; how many incidents were opened."""
        self._adopt(team_id)
        with self.db.read() as session:
            due = triage.due_to_declare(session=session, team_id=team_id, now=self.clock())
        return sum(1 for group_id in due if self.declare_by_rule(group_id))

    def earliest(self, *, team_id: str) -> datetime | None:
        """When a rule declares a group next (the schedule sleeps until then)."""
        with self.db.read() as session:
            return triage.next_declaration(session=session, team_id=team_id)

    def declare_by_rule(self, group_id: int) -> bool:
        """Declare the group its rule declares now, opened by its source; once, whoever asks
        (several processes, a notification and the schedule alike). A group whose alerts all
        resolved before then is left to people: its message stays."""
        with self.db.write() as session:
            group = alerts.get_group(session=session, group_id=group_id, for_update=True)
            now = self.clock()
            if group is None or group.team_id is None or group.triage is not Triage.OPEN:
                return False
            if group.declare_at is None or group.declare_at > now:
                return False
            if alerts.counts(session=session, group_id=group.id).firing == 0:
                triage.forget_declaring(session=session, group_id=group.id)
                message.show(session, group_id=group.id, team_id=group.team_id, now=now)
                return False
            actor = source_actor(group.sender)
            source = Member(user_id=actor, team_id=group.team_id, display_name=group.sender, real_name="", is_bot=True)
            members.put(session=session, members=[source], learned_at=now)
            self._open(session, group, actor=actor, now=now)
        return True

    def edit_more(self, *, team_id: str, before: tuple[datetime, int], effect_id: int) -> None:
        """The next waiting messages to offer what *Add to incident* offers now: those seen before
        that group (`bot.outbox.kinds.refresh_offers`, its result handed over by the sender), queued
        with `effect_id`, the `alerts.offers` that said so, settled: nothing when it was already
        (sent again after a crash that came after), so a second chain of edits never starts."""
        now = self.clock()
        with self.db.write() as session:
            if store.settle_once(session=session, effect_id=effect_id, now=now, note="the next ones queued"):
                message.show_open_groups(session, team_id=team_id, now=now, before=before)

    # --- shared steps --------------------------------------------------------------------------

    def _undecided(self, session: Session, team_id: str, group_id: int, version: int) -> StoredGroup:
        """The group, row-locked, if the message clicked still shows it as it is (else refused)."""
        group = alerts.get_group(session=session, group_id=group_id, for_update=True)
        if group is None or group.team_id != team_id:
            raise NotFound("These alerts are not known here.")
        incident = None
        if group.incident_id is not None:
            incident = repository.get_by_id(session=session, incident_id=group.incident_id).incident
        names = members.names(session=session, user_ids={group.decided_by} if group.decided_by else set())
        check_undecided(group, version, incident, names, self.zone)
        return group

    def _open(
        self,
        session: Session,
        group: StoredGroup,
        *,
        actor: str,
        now: datetime,
        origin: str | None = None,
        response_url: str | None = None,
    ) -> Changed:
        assert group.team_id is not None
        began = min(triage.impact_began(session=session, group_id=group.id) or now, now)
        changed = self.incidents.open(
            team_id=group.team_id,
            actor=actor,
            title=from_words(group.title),  # the sender's words, never Slack's markup: `<!channel>` stays words
            severity=group.severity,
            at=began.isoformat(),
            origin_channel=origin,
            response_url=response_url,
            session=session,
            components=from_alert(self.incidents.catalog, group.common_labels, group.severity),
        )
        stored = repository.get_by_number(session=session, team_id=group.team_id, number=changed.incident.number)
        assert stored is not None
        self._attach(session, group, stored.id, Triage.DECLARED, actor=actor, now=now)
        if self.paging is not None:  # once: a group is declared once
            self.paging.page_matching(session, stored, group.common_labels, actor=actor)
        return changed

    def _attach(
        self, session: Session, group: StoredGroup, incident_id: int, how: Triage, *, actor: str, now: datetime
    ) -> None:
        """The group joins the incident: decided, a timeline line, the card and its message edited."""
        assert group.team_id is not None
        triage.decide(session=session, group_id=group.id, triage=how, actor=actor, now=now, incident_id=incident_id)
        triage.measure_alert_lag(session=session, incident_id=incident_id)
        counts = alerts.counts(session=session, group_id=group.id)
        news = AlertNews(
            AlertEvent.ATTACHED,
            what=group.summary,
            changed=counts.total,
            firing=counts.firing,
            resolved=counts.resolved,
            source=group.sender,
            link=group.external_url,
        )
        entry_id = repository.add_entry(
            session=session, incident_id=incident_id, entry=alert_news_entry(news, actor=actor, at=now, now=now)
        )
        work = [PostTimeline(entry_id=entry_id), UpdateCard(entry_id=entry_id)]
        store.enqueue_all(session=session, incident_id=incident_id, effects=work, now=now)
        message.show(session, group_id=group.id, team_id=group.team_id, now=now)
        if how is Triage.DECLARED:  # its channel is on the way: the message links to it once it exists
            message.show_after_incident(session, group_id=group.id, incident_id=incident_id, now=now)

    def _adopt(self, team_id: str) -> None:
        """Groups stored before this process knew its workspace become its own, and are shown."""
        with self.db.read() as session:
            if not triage.without_workspace(session=session, limit=1):
                return
        with self.db.write() as session:
            now = self.clock()
            for group_id in triage.without_workspace(session=session):
                if not triage.adopt(session=session, group_id=group_id, team_id=team_id):
                    continue
                group = alerts.get_group(session=session, group_id=group_id)
                if group is not None and group.triage is not Triage.IGNORED:
                    message.show(session, group_id=group_id, team_id=team_id, now=now)


def _read(value: str) -> tuple[int, int, int | None]:
    found = read_triage_value(value)
    if found is None:
        raise UsageError(UNREADABLE)
    return found
