"""Answers to a page (docs/behaviour.md, Paging): *Acknowledge* and *Can't take it* in a page's
direct message (or on the App Home), one transaction each. An acknowledgement is won once per
request by a conditional UPDATE, whatever the number of people and processes pressing; everyone of
a round saying *Can't take it* takes the request's next step at once (`bot.escalation`). What they
refuse is worded in the answering person's language (`reader`: their Slack locale among
INCIDENT_LANGUAGES, as their pages and App Home), as the replies to their clicks
(`bot.render.page_replies`). Making pages is `bot.paging`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.clock import Clock
from bot.domain.catalog import Catalog
from bot.domain.incident import Incident
from bot.domain.paging import (
    Page,
    PageRequest,
    PageState,
    RequestState,
    acknowledged_entry,
    all_declined,
    declined_entry,
)
from bot.domain.readers import Reader, pick_language
from bot.domain.roles import Role, change_role
from bot.errors import NotFound, RuleRefused
from bot.escalation import Escalations
from bot.outbox import store
from bot.outbox.effect import Effect
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.outbox.kinds.set_topic import SetTopic
from bot.outbox.kinds.update_card import UpdateCard
from bot.outbox.kinds.update_page import UpdatePage
from bot.page_targets import left_out_of
from bot.render.page_replies import ReplyWords
from bot.storage import members, pages, repository
from bot.storage.db import Database
from bot.storage.repository import StoredIncident


@dataclass(frozen=True)
class PageAnswer:
    """An answer to a page: the incident, the page as it is now, how the reply to its person is worded
    (their language), and whether they became the lead."""

    incident: Incident
    page: Page
    said: ReplyWords
    made_lead: bool = False


class PageAnswers:
    def __init__(
        self,
        db: Database,
        *,
        clock: Clock,
        zone: ZoneInfo,
        catalog: Catalog,
        escalations: Escalations,
        languages: Sequence[str] = ("en",),
    ) -> None:
        self.db = db
        self.clock = clock
        self.zone = zone
        self.catalog = catalog  # who a request reaches (`left_out_of`)
        self.escalations = escalations
        self.languages = languages  # INCIDENT_LANGUAGES: those a click's reply may be in

    def reader(self, session: Session, user_id: str) -> Reader:
        """How `user_id` reads the replies to their clicks: in the language their pages and App Home
        are in (their Slack locale among INCIDENT_LANGUAGES), times in the incident's zone."""
        member = members.get(session=session, user_id=user_id)
        return Reader(pick_language(member.locale if member else None, self.languages), self.zone)

    def acknowledge(self, *, page_id: int, actor: str) -> PageAnswer:
        """*Acknowledge*: the first of a request's people to press it takes it (once across
        processes); the others' pages are closed and their messages say who took it, and so are those
        of the requests it left them out of (`left_out_of`). Someone who takes an incident without a
        lead becomes its lead."""
        with self.db.write() as session:
            said = ReplyWords(self.reader(session, actor))
            page, stored = self._own_page(session, page_id, actor, said)
            stored = self._locked(session, stored)
            self._answerable(stored.incident, page, said)
            now = self.clock()  # read once the incident's row lock is held
            request = page.request
            if request.state is RequestState.REPLACED:  # a newer message to answer only while one waits
                raise RuleRefused(said("replaced_newer" if page.asked_again else "replaced_done"))
            if not pages.acknowledge(session=session, request_id=request.id, user_id=actor, now=now):
                raise RuleRefused(taken_by(session, request, said))
            pages.answer(
                session=session, page_id=page.id, state=PageState.ACKNOWLEDGED, now=now, allowed=tuple(PageState)
            )
            effects: list[Effect] = []
            covered = left_out_of(session, self.catalog, request, actor)  # they answer these too
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
            return PageAnswer(stored.incident, answered, said, made_lead)

    def decline(self, *, page_id: int, actor: str) -> PageAnswer:
        """*Can't take it*: a no. When everyone of the request's latest round said no, its next
        step (the escalation group, or "nobody answered") is taken at once."""
        with self.db.write() as session:
            said = ReplyWords(self.reader(session, actor))
            page, stored = self._own_page(session, page_id, actor, said)
            self._answerable(stored.incident, page, said)
            now = self.clock()
            allowed = (PageState.WAITING, PageState.SENT)
            if not pages.answer(session=session, page_id=page.id, state=PageState.DECLINED, now=now, allowed=allowed):
                request = pages.get_request(session=session, request_id=page.request.id) or page.request
                if request.acknowledged_by:
                    raise RuleRefused(taken_by(session, request, said))
                if page.state is PageState.REPLACED:  # never answered: paged again since
                    raise RuleRefused(said("replaced_newer" if page.asked_again else "replaced_done"))
                raise RuleRefused(said("already_answered", incident=stored.incident.name))
            entry = declined_entry(page.request.target, actor=actor, now=now)
            entry_id = repository.add_entry(session=session, incident_id=stored.id, entry=entry)
            effects = [PostTimeline(entry_id=entry_id), UpdatePage(page_id=page.id)]
            store.enqueue_all(session=session, incident_id=stored.id, effects=effects, now=now)
            if all_declined(pages.of_request(session=session, request=page.request)):
                pages.due_now(session=session, request_id=page.request.id, now=now)
                self.escalations.step(session, page.request.id, now)
            return PageAnswer(stored.incident, replace(page, state=PageState.DECLINED, answered_at=now), said)

    def _answerable(self, incident: Incident, page: Page, said: ReplyWords) -> None:
        if page.state is PageState.ENDED:  # ended by a resolution, which a reopening does not undo
            raise RuleRefused(said("ended", incident=incident.name))
        if not incident.status.is_open:
            raise RuleRefused(said("resolved", incident=incident.name))

    def _has_lead(self, session: Session, incident: Incident) -> bool:
        """A person leads it (an incident declared by the bot itself, from an alert, may have none)."""
        if not incident.lead:
            return False
        lead = members.get(session=session, user_id=incident.lead)
        return lead is None or not lead.is_bot

    def _own_page(self, session: Session, page_id: int, actor: str, said: ReplyWords) -> tuple[Page, StoredIncident]:
        page = pages.get(session=session, page_id=page_id)
        if page is None:
            raise NotFound(said("unknown_page"))
        if page.user_id != actor:
            raise RuleRefused(said("not_yours"))
        return page, repository.get_by_id(session=session, incident_id=page.request.incident_id)

    def _locked(self, session: Session, stored: StoredIncident) -> StoredIncident:
        number = stored.incident.number
        locked = repository.get_by_number(session=session, team_id=stored.team_id, number=number, for_update=True)
        return locked or stored


def taken_by(session: Session, request: PageRequest, said: ReplyWords, *, then: str = "taken") -> str:
    """`alice acknowledged it at 21:45 IST: nothing more to do.` (`then`: the key that says so)."""
    current = pages.get_request(session=session, request_id=request.id) or request
    if current.acknowledged_by is None or current.acknowledged_at is None:
        return said("no_longer_waiting")
    names = members.names(session=session, user_ids={current.acknowledged_by})
    return said.taken(names.get(current.acknowledged_by), current.acknowledged_at, then=then)
