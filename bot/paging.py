"""Paging (docs/behaviour.md, Paging): one method per action, one transaction each.

`page` resolves what `/incident page` names (people, user groups read from the bot's copy of
them, components' on-call groups from the catalog), leaves out who may never be paged and who
still has an open page, and records a request per target, a page per person, the timeline line,
and the Slack work: the invitation to the channel and one direct message each (outbox rows,
sent after the ack). Answers to a page (*Acknowledge*, *Can't take it*) are `bot.page_answers`';
what nobody answering leads to, `bot.escalation`'s; what a command names, resolved,
`bot.page_targets`'. What the buttons' presser is refused is worded in their language
(`bot.render.page_replies`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
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
    Paged,
    PageRequest,
    PageState,
    Skipped,
    Target,
    TargetKind,
    Via,
    choose,
    paged_entry,
    people_target,
    reach,
)
from bot.domain.readers import Reader
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
from bot.outbox.kinds.update_card import UpdateCard
from bot.outbox.kinds.update_page import UpdatePage
from bot.page_answers import PageAnswer, PageAnswers, taken_by
from bot.page_targets import LookUpGroup, LookUpPeople, PageTargets, Reached, candidate, on_call
from bot.render import page_picker
from bot.render.page_replies import ReplyWords, english
from bot.storage import members, pages, repository
from bot.storage.db import Database
from bot.storage.repository import StoredIncident

log = logging.getLogger(__name__)


class NobodyPaged(Exception):
    """Raised inside a transaction to roll it back when nobody could be paged; `paged` says why."""

    def __init__(self, paged: Paged) -> None:
        super().__init__(paged.incident.name)
        self.paged = paged


class PagingService:
    def __init__(
        self,
        db: Database,
        *,
        zone: ZoneInfo,
        clock: Clock,
        catalog: Catalog,
        language: str = "en",
        languages: Sequence[str] = ("en",),
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
        self.answers = PageAnswers(
            db, clock=clock, zone=zone, catalog=catalog, escalations=self.escalations, languages=languages
        )

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
            languages=settings.languages,
            look_up_group=look_up_group,
            look_up_people=look_up_people,
        )

    def reader(self, user_id: str) -> Reader:
        """How `user_id` reads the replies to their clicks: in the language their pages and App Home
        are in (their Slack locale among INCIDENT_LANGUAGES), times in the incident's zone."""
        with self.db.read() as session:
            return self.answers.reader(session, user_id)

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
            self._check_open(stored.incident, ReplyWords(english(self.zone)))
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
        closed, their messages say so), once however often the button is pressed. Whoever can be
        paged is; a group that can no longer be is said with why (`Paged.groups_left_out`). Nobody
        at all: nothing is stored, and the outcome says why."""
        try:
            with self.db.write() as session:
                said = ReplyWords(self.answers.reader(session, actor))
                request, stored = self._request(session, request_id, said)
                check_visible(stored.incident, user_id=actor, channel_id=channel_id)
                self._check_open(stored.incident, said)
                if request.acknowledged_by:
                    raise RuleRefused(taken_by(session, request, said, then="taken_no_page_again"))
                if not pages.replace(session=session, request_id=request.id):
                    raise RuleRefused(said("already_paged_again", incident=stored.incident.name))
                now = self.clock()
                closed = pages.close_open(session=session, request_id=request.id, state=PageState.REPLACED, now=now)
                edits = [UpdatePage(page_id=i) for i in closed]
                store.enqueue_all(session=session, incident_id=stored.id, effects=edits, now=now)
                plans, left_out = self.targets.plan_again(session, request, said)
                paged = replace(self._page(session, stored, plans, actor=actor), groups_left_out=left_out)
                if not paged.asked:
                    raise NobodyPaged(paged)  # the request's replacement is rolled back: nothing stored
                return paged
        except NobodyPaged as nobody:
            return nobody.paged

    def request_picker(self, *, request_id: int, actor: str, channel_id: str | None, trigger_id: str) -> None:
        """*Page someone else*: its picker, opened right after the ack with the button's trigger
        (it lasts 3 s); the submission pages through `page` with the same rules, as asked from
        `channel_id`."""
        with self.db.write() as session:
            said = ReplyWords(self.answers.reader(session, actor))
            _, stored = self._request(session, request_id, said)
            check_visible(stored.incident, user_id=actor, channel_id=channel_id)
            self._check_open(stored.incident, said)
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
        """*Acknowledge* (`bot.page_answers`)."""
        return self.answers.acknowledge(page_id=page_id, actor=actor)

    def decline(self, *, page_id: int, actor: str) -> PageAnswer:
        """*Can't take it* (`bot.page_answers`)."""
        return self.answers.decline(page_id=page_id, actor=actor)

    # --- shared steps ------------------------------------------------------------------------

    def _pagerduty(self, target: Target) -> bool:
        """A component whose page also goes to PagerDuty (it names a `pagerduty_routing_key`)."""
        component = self.targets.catalog.get(target.ref) if target.kind is TargetKind.COMPONENT else None
        return component is not None and component.pagerduty_routing_key is not None

    def _check_open(self, incident: Incident, said: ReplyWords) -> None:
        if not incident.status.is_open:
            raise RuleRefused(said("reopen_first", incident=incident.name))

    def _request(self, session: Session, request_id: int, said: ReplyWords) -> tuple[PageRequest, StoredIncident]:
        request = pages.get_request(session=session, request_id=request_id)
        if request is None:
            raise NotFound(said("unknown_page"))
        return request, repository.get_by_id(session=session, incident_id=request.incident_id)
