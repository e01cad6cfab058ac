"""What happens when nobody answers a page (docs/behaviour.md, Paging): the scheduler's round
(`bot.reminder_thread`, every web process and `incident-bot worker`) and a request whose people
all said *Can't take it*.

A request's `escalate_at` is stored (set when its first direct message was sent), so a restart
loses no timer. Its step is claimed with a conditional UPDATE (`bot.storage.pages.claim_step`) in
the transaction that records it, so however many processes look at once, one takes it: the
component's `escalation` group is paged once (more pages of the same request); otherwise, or
when that group does not answer either, the incident channel is told that nobody answered, with
*Page again* and *Page someone else*, mentioning the lead (while no person leads: the person who
paged, else the user group paged last). Resolving the incident ends its requests' timers
(`bot.storage.pages.end_open`), so a resolved incident's request has no step to take.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from bot.clock import Clock
from bot.domain.alerts import is_source
from bot.domain.catalog import Catalog
from bot.domain.paging import (
    Asked,
    Choice,
    PageRequest,
    RequestState,
    TargetKind,
    Via,
    all_declined,
    choose,
    escalated_entry,
    escalation_group,
    paged_entry,
    unanswered_entry,
)
from bot.domain.usergroups import KnownGroup
from bot.outbox import store
from bot.outbox.effect import Effect
from bot.outbox.kinds.invite import Invite
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.outbox.kinds.post_unanswered import PostUnanswered
from bot.outbox.kinds.send_page import SendPage
from bot.outbox.kinds.update_card import UpdateCard
from bot.outbox.kinds.update_page import UpdatePage
from bot.page_targets import Reached, candidate, find_group
from bot.render import paging
from bot.storage import members, pages, repository
from bot.storage.db import Database
from bot.storage.repository import StoredIncident


class Escalations:
    def __init__(self, db: Database, *, clock: Clock, catalog: Catalog) -> None:
        self.db = db
        self.clock = clock
        self.catalog = catalog  # components' escalation groups

    def send_due(self, *, team_id: str) -> int:
        """Take the next step of every request of the workspace nobody answered in time; how many
        steps this caller took (another process may take some: each is claimed once)."""
        with self.db.read() as session:
            due = pages.due(session=session, team_id=team_id, now=self.clock())
        taken = 0
        for request_id in due:
            with self.db.write() as session:
                taken += self.step(session, request_id, self.clock())
        return taken

    def earliest(self, *, team_id: str) -> datetime | None:
        with self.db.read() as session:
            return pages.earliest(session=session, team_id=team_id)

    def step(self, session: Session, request_id: int, now: datetime) -> bool:
        """The step due for a request nobody answered: its component's escalation group once,
        else "nobody answered" in the channel with *Page again* / *Page someone else*."""
        request = pages.get_request(session=session, request_id=request_id)
        if request is None or request.acknowledged_by or request.escalate_at is None or request.escalate_at > now:
            return False
        stored = repository.get_by_id(session=session, incident_id=request.incident_id)
        if not stored.incident.status.is_open:  # left waiting by a version that did not end it at the resolution
            ended = pages.end_open(session=session, incident_id=stored.id, now=now)
            edits = [UpdatePage(page_id=page_id) for page_id in ended]
            store.enqueue_all(session=session, incident_id=stored.id, effects=[*edits, UpdateCard()], now=now)
            return False
        escalated = request.state is RequestState.ESCALATED
        paged = pages.of_request(session=session, request=request)
        declined = all_declined(paged)  # early: everyone of the latest round said Can't take it
        sent = [page.sent_at for page in paged if page.sent_at and (page.via is Via.ESCALATION) == escalated]
        # From the round's first message to the step's time: the configured wait when on time, as
        # its escalate_at was set from it; an earlier time when everyone declined (or a later tick).
        waited = max(min(request.escalate_at, now) - min(sent, default=request.created_at), timedelta(0))
        component = self.catalog.get(request.target.ref) if request.target.kind is TargetKind.COMPONENT else None
        group_ref = escalation_group(request, component.escalation if component else None)
        group = find_group(session, group_ref) if group_ref else None
        left_out: Choice | None = None  # the escalation group's members, none of whom could be paged
        if group is not None and not group.disabled:
            plan = Reached(request.target, Via.ESCALATION, group.mention, group.members)
            left_out = self._escalate(session, stored, request, plan, waited, now, declined=declined)
            if left_out is None:
                return True
        seen = request.state
        if not pages.claim_step(session=session, request_id=request.id, seen=seen, to=RequestState.UNANSWERED, now=now):
            return False
        entry = unanswered_entry(request.target, waited, actor=request.paged_by, now=now, declined=declined)
        entry_id = repository.add_entry(session=session, incident_id=stored.id, entry=entry)
        named = {person for person, _ in (*left_out.skipped, *left_out.waiting)} if left_out else set()
        names = members.names(session=session, user_ids=set(request.target.people) | named)
        skipped = paging.escalation_skipped(group_ref, group, left_out, names) if group_ref else ""
        lead = stored.incident.lead or None
        unled = lead is None or is_source(lead)  # a rule declared it: the alert source stands in as lead
        told = _group_told(session, request) if unled and is_source(request.paged_by) else None
        text = paging.unanswered_text(request, waited, names, lead=lead, declined=declined, group=told, skipped=skipped)
        effects = [
            PostTimeline(entry_id=entry_id),
            PostUnanswered(request_id=request.id, text=text),
            UpdateCard(entry_id=entry_id),
        ]
        store.enqueue_all(session=session, incident_id=stored.id, effects=effects, now=now)
        return True

    def _escalate(
        self,
        session: Session,
        stored: StoredIncident,
        request: PageRequest,
        plan: Reached,
        waited: timedelta,
        now: datetime,
        *,
        declined: bool,
    ) -> Choice | None:
        """Page the escalation group's people (not those who paged or still have an open page);
        None once done, else who was left out and why (nobody could be paged, or another process
        took the step)."""
        open_since = pages.open_since(session=session, incident_id=stored.id, user_ids=plan.people)
        candidates = [candidate(session, person) for person in plan.people]
        choice = choose(candidates, pager=request.paged_by, open_since=open_since)
        if not choice.paged:
            return choice
        claimed = pages.claim_step(
            session=session,
            request_id=request.id,
            seen=RequestState.OPEN,
            to=RequestState.ESCALATED,
            now=now,
            escalation=plan.group,
        )
        if not claimed:
            return choice
        page_ids = pages.add_pages(
            session=session,
            request_id=request.id,
            incident_id=stored.id,
            people=choice.paged,
            via=Via.ESCALATION,
            now=now,
        )
        entry = escalated_entry(
            request.target, plan.group, choice.paged, waited, actor=request.paged_by, now=now, declined=declined
        )
        entry_id = repository.add_entry(session=session, incident_id=stored.id, entry=entry)
        effects: list[Effect] = [Invite(users=choice.paged), PostTimeline(entry_id=entry_id)]
        effects += [SendPage(page_id=page_id) for page_id in page_ids]
        effects.append(UpdateCard(entry_id=entry_id))
        store.enqueue_all(session=session, incident_id=stored.id, effects=effects, now=now)
        return None


def paged_again_escalated(
    session: Session, incident_id: int, request_id: int, asked: Asked, *, actor: str, now: datetime
) -> tuple[int, list[Effect]]:
    """*Page again* after an escalation: the escalation group's people are paged again in the new
    request, which starts escalated: when nobody answers it either, the channel is told (the same
    people are not escalated to a second time). The timeline says who paged them: its entry's id."""
    pages.start_escalated(session=session, request_id=request_id, escalation=asked.group, now=now)
    page_ids = pages.add_pages(
        session=session, request_id=request_id, incident_id=incident_id, people=asked.paged, via=Via.ESCALATION, now=now
    )
    entry = paged_entry(asked.target, Via.GROUP, asked.group, asked.paged, actor=actor, now=now)
    entry_id = repository.add_entry(session=session, incident_id=incident_id, entry=entry)
    return entry_id, [PostTimeline(entry_id=entry_id), *(SendPage(page_id=page_id) for page_id in page_ids)]


def _group_told(session: Session, request: PageRequest) -> KnownGroup | None:
    """The user group a notice that nobody answered mentions when no person leads the incident nor
    paged it (an alert source did): the escalation group paged, else the group paged, if enabled."""
    handle = request.escalation or request.group
    group = find_group(session, handle) if handle else None
    return group if group is not None and not group.disabled else None
