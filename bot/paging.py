"""Paging (docs/behaviour.md, Paging): one method per action, one transaction each.

`page` resolves what `/incident page` names (people, user groups read from the bot's copy of
them, components' on-call groups from the catalog), leaves out who may never be paged and who
still has an open page, and records a request per target, a page per person, the timeline line,
and the Slack work: the invitation to the channel and one direct message each (outbox rows,
sent after the ack). `acknowledge` is won once per request by a conditional UPDATE, whatever the
number of people and processes pressing. What nobody answering leads to is `bot.escalation`'s;
what a command names, resolved, `bot.page_targets`'.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.clock import Clock
from bot.config import Settings
from bot.declare import open_with_trigger
from bot.domain.catalog import Catalog
from bot.domain.incident import Incident
from bot.domain.paging import (
    Asked,
    OnCall,
    Page,
    Paged,
    PageRequest,
    PageState,
    RequestState,
    Skipped,
    Target,
    TargetKind,
    Via,
    acknowledged_entry,
    all_declined,
    choose,
    declined_entry,
    paged_entry,
    people_target,
    reach,
)
from bot.domain.roles import Role, change_role
from bot.domain.timefmt import clock_time
from bot.domain.visibility import check_visible
from bot.errors import NotFound, RuleRefused, UsageError
from bot.escalation import Escalations, paged_again_escalated
from bot.lookup import Where, locate
from bot.outbox import store
from bot.outbox.effect import Effect
from bot.outbox.kinds import pagerduty_event
from bot.outbox.kinds.invite import Invite
from bot.outbox.kinds.open_page_picker import OpenPagePicker
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.outbox.kinds.send_page import SendPage
from bot.outbox.kinds.set_topic import SetTopic
from bot.outbox.kinds.update_card import UpdateCard
from bot.outbox.kinds.update_page import UpdatePage
from bot.page_targets import LookUpGroup, LookUpPeople, PageTargets, Reached, candidate, left_out_of, on_call
from bot.render import page_picker
from bot.storage import members, pages, repository
from bot.storage.db import Database
from bot.storage.repository import StoredIncident

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageAnswer:
    """An answer to a page: the incident, the page as it is now, and whether its person became the lead."""

    incident: Incident
    page: Page
    made_lead: bool = False


class PagingService:
    def __init__(
        self,
        db: Database,
        *,
        zone: ZoneInfo,
        clock: Clock,
        catalog: Catalog,
        language: str = "en",
        look_up_group: LookUpGroup | None = None,
        look_up_people: LookUpPeople | None = None,
    ) -> None:
        self.db = db
        self.zone = zone
        self.clock = clock
        self.targets = PageTargets(
            db, catalog=catalog, language=language, look_up_group=look_up_group, look_up_people=look_up_people
        )
        self.escalations = Escalations(db, clock=clock, catalog=catalog)

    @classmethod
    def from_settings(
        cls,
        db: Database,
        settings: Settings,
        *,
        clock: Clock,
        look_up_group: LookUpGroup | None = None,
        look_up_people: LookUpPeople | None = None,
    ) -> PagingService:
        return cls(
            db,
            zone=settings.zone,
            clock=clock,
            catalog=settings.catalog,
            language=settings.languages[0],
            look_up_group=look_up_group,
            look_up_people=look_up_people,
        )

    def names_in(self, paged: Paged) -> dict[str, str]:
        """The names of everyone the reply to a page shows."""
        people = {person for asked in paged.asked for person in asked.paged}
        people |= {person for person, _ in (*paged.skipped, *paged.waiting)}
        people |= {person for asked in paged.asked for person in asked.target.people}
        with self.db.read() as session:
            return members.names(session=session, user_ids=people)

    def on_call(self, text: str | None = None) -> list[OnCall]:
        """`/incident oncall [component]`: every component of the catalog (or the one named), with
        the members of its on-call and escalation groups as the bot knows them now."""
        catalog = self.targets.catalog
        if not catalog:
            raise UsageError("The catalog has no components (INCIDENT_CATALOG), so nobody is on call for one.")
        chosen = [catalog.lookup(text)] if text else list(catalog.components)
        with self.db.read() as session:
            return [on_call(session, component, self.targets.language) for component in chosen]

    def names_on_call(self, on_call: Sequence[OnCall]) -> dict[str, str]:
        people = {
            person
            for each in on_call
            for group in (each.oncall_group, each.escalation_group)
            for person in reach(group, each.never)[0]
        }
        with self.db.read() as session:
            return members.names(session=session, user_ids=people)

    # --- paging ------------------------------------------------------------------------------

    def page(
        self,
        where: Where,
        *,
        actor: str,
        people: Sequence[str] = (),
        groups: Sequence[tuple[str, str]] = (),
        components: Sequence[str] = (),
        handles: Sequence[str] = (),
    ) -> Paged:
        """Page people, user groups (id, handle as typed; or a handle Slack left as text) and
        components (as typed). People and groups the bot has not heard of are asked of Slack first
        (Slack not answering: SlackUnavailable, nothing stored). Nobody to page (all skipped or still
        waiting): the outcome says so and nothing is stored."""
        chosen = [component for text in components for component in self.targets.components(text)]
        missing = self.targets.learn_people(people)
        self.targets.learn_groups(groups)
        with self.db.write() as session:
            stored = locate(session, where)
            self._check_open(stored.incident)
            plans = [Reached(people_target(people), Via.DIRECT, "", tuple(people))] if people else []
            plans += [self.targets.group_plan(session, group_id, handle) for group_id, handle in groups]
            plans += [self.targets.handle_plan(session, handle) for handle in handles]
            plans += [self.targets.oncall_plan(session, component) for component in chosen]
            return self._page(session, stored, plans, actor=actor, missing=missing)

    def page_matching(
        self, session: Session, stored: StoredIncident, labels: Mapping[str, str], *, actor: str
    ) -> Paged:
        """An incident declared from alerts (`bot.triage`, in its transaction): the `oncall`
        group of each catalog component the alerts' labels match is paged, as `/incident page
        <component>` would; a component whose group cannot be paged is left out (logged)."""
        reached = []
        for component in self.targets.catalog.matching(labels):
            if component.oncall is None:
                continue
            try:
                reached.append(self.targets.oncall_plan(session, component))
            except RuleRefused as refused:
                log.warning("%s not paged for %s: %s", component.id, stored.incident.name, refused.message)
        return self._page(session, stored, reached, actor=actor)

    def page_again(self, *, request_id: int, actor: str, channel_id: str | None) -> Paged:
        """*Page again* under "nobody answered": the same target paged anew (its earlier pages
        closed, their messages say so), once however often the button is pressed."""
        with self.db.write() as session:
            request, stored = self._request(session, request_id)
            check_visible(stored.incident, user_id=actor, channel_id=channel_id)
            self._check_open(stored.incident)
            if request.acknowledged_by:
                raise RuleRefused(self._taken(session, request, "so there is no need to page again"))
            if not pages.replace(session=session, request_id=request.id):
                raise RuleRefused(f"That page of {stored.incident.name} was already paged again: see the newer one.")
            now = self.clock()
            closed = pages.close_open(session=session, request_id=request.id, state=PageState.REPLACED, now=now)
            store.enqueue_all(
                session=session, incident_id=stored.id, effects=[UpdatePage(page_id=i) for i in closed], now=now
            )
            return self._page(session, stored, self.targets.plan_again(session, request), actor=actor)

    def request_picker(self, *, request_id: int, actor: str, channel_id: str | None, trigger_id: str) -> None:
        """*Page someone else*: its picker, opened right after the ack with the button's trigger
        (it lasts 3 s); the submission pages through `page` with the same rules, as asked from
        `channel_id`."""
        with self.db.write() as session:
            _, stored = self._request(session, request_id)
            check_visible(stored.incident, user_id=actor, channel_id=channel_id)
            self._check_open(stored.incident)
            metadata = page_picker.metadata(stored.incident.number, channel_id)
            name = stored.incident.name
            picker = OpenPagePicker(trigger_id=trigger_id, incident_name=name, private_metadata=metadata)
            open_with_trigger(session, stored.team_id, picker, self.clock())

    def _page(
        self,
        session: Session,
        stored: StoredIncident,
        plans: Sequence[Reached],
        *,
        actor: str,
        missing: frozenset[str] = frozenset(),
    ) -> Paged:
        reached = [person for plan in plans for person in plan.people]
        open_since = pages.open_since(session=session, incident_id=stored.id, user_ids=reached, told_unanswered=False)
        candidates = {person: candidate(session, person, missing) for person in reached}
        asked: list[Asked] = []
        skipped: tuple[tuple[str, Skipped], ...] = ()
        waiting: tuple[tuple[str, datetime], ...] = ()
        seen: set[str] = set()
        for plan in plans:
            choice = choose([candidates[p] for p in plan.people], pager=actor, open_since=open_since, seen=seen)
            seen |= set(plan.people)
            skipped += choice.skipped
            waiting += choice.waiting
            if choice.paged:  # people named: the request is for those paged (not a guest named with them)
                target = people_target(choice.paged) if plan.target.kind is TargetKind.PERSON else plan.target
                asked.append(Asked(target, plan.via, plan.group, choice.paged))
        paged = Paged(stored.incident, tuple(asked), skipped, waiting)
        if not asked:
            return paged  # nothing to store: the reply says why
        now = self.clock()
        everyone = tuple(p for each in asked for p in each.paged)
        replaced = pages.replace_told_unanswered(session=session, incident_id=stored.id, user_ids=everyone, now=now)
        effects: list[Effect] = [Invite(users=everyone), *(UpdatePage(page_id=page_id) for page_id in replaced)]
        entry_id = request_id = 0
        for each in asked:
            if not (each.via is Via.ESCALATION and request_id):  # an escalation group paged again joins its request
                request_id = pages.add_request(
                    session=session,
                    incident_id=stored.id,
                    team_id=stored.team_id,
                    target=each.target,
                    group=each.group,
                    paged_by=actor,
                    now=now,
                )
            if each.via is Via.ESCALATION:  # the request starts escalated, even with nobody on call paged again
                entry_id, more = paged_again_escalated(session, stored.id, request_id, each, actor=actor, now=now)
                effects += more
                continue
            page_ids = pages.add_pages(
                session=session, request_id=request_id, incident_id=stored.id, people=each.paged, via=each.via, now=now
            )
            entry = paged_entry(each.target, each.via, each.group, each.paged, actor=actor, now=now)
            entry_id = repository.add_entry(session=session, incident_id=stored.id, entry=entry)
            effects += [PostTimeline(entry_id=entry_id), *(SendPage(page_id=page_id) for page_id in page_ids)]
            if self._pagerduty(each.target):  # the optional handoff, in its lane apart (resolved by bot.changes)
                effects.append(pagerduty_event.trigger(each.target.ref, stored.incident))
        effects.append(UpdateCard(entry_id=entry_id))
        store.enqueue_all(session=session, incident_id=stored.id, effects=effects, now=now)
        return paged

    def acknowledge(self, *, page_id: int, actor: str) -> PageAnswer:
        """*Acknowledge*: the first of a request's people to press it takes it (once across
        processes); the others' pages are closed and their messages say who took it, and so are those
        of the requests it left them out of (`left_out_of`). Someone who takes an incident without a
        lead becomes its lead."""
        with self.db.write() as session:
            page, stored = self._own_page(session, page_id, actor)
            stored = self._locked(session, stored)
            self._answerable(stored.incident, page)
            now = self.clock()  # read once the incident's row lock is held
            request = page.request
            if request.state is RequestState.REPLACED:  # a newer message to answer only while one waits
                then = "answer the newer message" if page.asked_again else "this message needs no answer now"
                raise RuleRefused(f"This page was sent again since: {then}.")
            if not pages.acknowledge(session=session, request_id=request.id, user_id=actor, now=now):
                raise RuleRefused(self._taken(session, request, "nothing more to do"))
            pages.answer(
                session=session, page_id=page.id, state=PageState.ACKNOWLEDGED, now=now, allowed=tuple(PageState)
            )
            effects: list[Effect] = []
            covered = left_out_of(session, self.targets.catalog, request, actor)  # they answer these too
            covered = [
                r for r in covered if pages.acknowledge(session=session, request_id=r.id, user_id=actor, now=now)
            ]
            for done in (request, *covered):
                taken = pages.close_open(session=session, request_id=done.id, state=PageState.TAKEN, now=now)
                entry = acknowledged_entry(done.target, now - done.created_at, actor=actor, now=now)
                entry_id = repository.add_entry(session=session, incident_id=stored.id, entry=entry)
                effects += [
                    PostTimeline(entry_id=entry_id),
                    *([UpdatePage(page_id=page.id)] if done is request else []),
                ]
                effects += [UpdatePage(page_id=other) for other in taken]
            made_lead = not self._has_lead(session, stored.incident)
            if made_lead:
                changed, lead_entry = change_role(stored.incident, role=Role.LEAD, person=actor, actor=actor, now=now)
                repository.save_incident(session=session, incident_id=stored.id, incident=changed, now=now)
                lead_id = repository.add_entry(session=session, incident_id=stored.id, entry=lead_entry)
                effects += [PostTimeline(entry_id=lead_id), SetTopic(entry_id=lead_id)]
                stored = replace(stored, incident=changed)
            effects.append(UpdateCard(entry_id=entry_id))
            store.enqueue_all(session=session, incident_id=stored.id, effects=effects, now=now)
            answered = replace(page, state=PageState.ACKNOWLEDGED, answered_at=now)
            return PageAnswer(stored.incident, answered, made_lead)

    def decline(self, *, page_id: int, actor: str) -> PageAnswer:
        """*Can't take it*: a no. When everyone of the request's latest round said no, its next
        step (the escalation group, or "nobody answered") is taken at once."""
        with self.db.write() as session:
            page, stored = self._own_page(session, page_id, actor)
            self._answerable(stored.incident, page)
            now = self.clock()
            allowed = (PageState.WAITING, PageState.SENT)
            if not pages.answer(session=session, page_id=page.id, state=PageState.DECLINED, now=now, allowed=allowed):
                request = pages.get_request(session=session, request_id=page.request.id) or page.request
                if request.acknowledged_by:
                    raise RuleRefused(self._taken(session, request, "nothing more to do"))
                raise RuleRefused(f"You already answered this page of {stored.incident.name}.")
            entry = declined_entry(page.request.target, actor=actor, now=now)
            entry_id = repository.add_entry(session=session, incident_id=stored.id, entry=entry)
            effects = [PostTimeline(entry_id=entry_id), UpdatePage(page_id=page.id)]
            store.enqueue_all(session=session, incident_id=stored.id, effects=effects, now=now)
            if all_declined(pages.of_request(session=session, request=page.request)):
                pages.due_now(session=session, request_id=page.request.id, now=now)
                self.escalations.step(session, page.request.id, now)
            return PageAnswer(stored.incident, replace(page, state=PageState.DECLINED, answered_at=now))

    # --- shared steps ------------------------------------------------------------------------

    def _pagerduty(self, target: Target) -> bool:
        """A component whose page also goes to PagerDuty (it names a `pagerduty_routing_key`)."""
        component = self.targets.catalog.get(target.ref) if target.kind is TargetKind.COMPONENT else None
        return component is not None and component.pagerduty_routing_key is not None

    def _answerable(self, incident: Incident, page: Page) -> None:
        if page.state is PageState.ENDED:  # ended by a resolution, which a reopening does not undo
            raise RuleRefused(f"This page ended when {incident.name} was resolved: it needs no answer.")
        if not incident.status.is_open:
            raise RuleRefused(f"{incident.name} is resolved: this page needs no answer now.")

    def _check_open(self, incident: Incident) -> None:
        if not incident.status.is_open:
            raise RuleRefused(f"{incident.name} is resolved: reopen it first to page people for it.")

    def _has_lead(self, session: Session, incident: Incident) -> bool:
        """A person leads it (an incident declared by the bot itself, from an alert, may have none)."""
        if not incident.lead:
            return False
        lead = members.get(session=session, user_id=incident.lead)
        return lead is None or not lead.is_bot

    def _request(self, session: Session, request_id: int) -> tuple[PageRequest, StoredIncident]:
        request = pages.get_request(session=session, request_id=request_id)
        if request is None:
            raise NotFound("That page is not one this bot knows.")
        return request, repository.get_by_id(session=session, incident_id=request.incident_id)

    def _own_page(self, session: Session, page_id: int, actor: str) -> tuple[Page, StoredIncident]:
        page = pages.get(session=session, page_id=page_id)
        if page is None:
            raise NotFound("That page is not one this bot knows.")
        if page.user_id != actor:
            raise RuleRefused("This page was sent to someone else: only they can answer it.")
        return page, repository.get_by_id(session=session, incident_id=page.request.incident_id)

    def _locked(self, session: Session, stored: StoredIncident) -> StoredIncident:
        number = stored.incident.number
        locked = repository.get_by_number(session=session, team_id=stored.team_id, number=number, for_update=True)
        return locked or stored

    def _taken(self, session: Session, request: PageRequest, then: str) -> str:
        """`alice acknowledged it at 21:45 IST: nothing more to do.`"""
        current = pages.get_request(session=session, request_id=request.id) or request
        if current.acknowledged_by is None or current.acknowledged_at is None:
            return "This page is no longer waiting for an answer."
        names = members.names(session=session, user_ids={current.acknowledged_by})
        taker = names.get(current.acknowledged_by, "Someone")
        return f"{taker} acknowledged it at {clock_time(current.acknowledged_at, self.zone)}: {then}."
