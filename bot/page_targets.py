"""What `/incident page` names, resolved (docs/behaviour.md, Paging): people as named, a user
group's members from the bot's copy of the workspace's groups (`bot.usergroup_sync`), a
component's on-call group from the catalog (`oncall`, a handle or an id). Every refusal says what
to do instead; nothing here writes.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlmodel import Session

from bot.domain.catalog import Catalog, Component, as_typed
from bot.domain.paging import (
    Candidate,
    OnCall,
    PageRequest,
    RequestState,
    Skipped,
    Target,
    TargetKind,
    Via,
    why_not,
)
from bot.domain.usergroups import KnownGroup, NoSuchGroup, Unpageable, unpageable
from bot.errors import NotFound, RuleRefused, UsageError
from bot.render.page_replies import ReplyWords
from bot.storage import members, pages, usergroups
from bot.storage.db import Database

LookUpGroup = Callable[[str, str], KnownGroup | None]  # (group id, handle) -> asked of Slack, at most 1 s
LeftOut = tuple[tuple[str, Unpageable], ...]  # user groups that page nobody now (as named), and why
LookUpPeople = Callable[[Sequence[str]], frozenset[str]]  # people the bot lacks, asked of Slack and stored


@dataclass(frozen=True)
class Reached:
    """One target of a command, resolved: why its people are reached, and who they are."""

    target: Target
    via: Via
    group: str
    people: tuple[str, ...]


class PageTargets:
    def __init__(
        self,
        db: Database,
        *,
        catalog: Catalog,
        language: str = "en",
        look_up_group: LookUpGroup | None = None,
        look_up_people: LookUpPeople | None = None,
    ) -> None:
        self.db = db
        self.catalog = catalog  # INCIDENT_CATALOG: components' on-call and escalation groups
        self.language = language  # the catalog's names in the timeline and messages
        self.look_up_group = look_up_group
        self.look_up_people = look_up_people  # `bot.members.MemberCheck.look_up_people`

    def learn_people(self, people: Sequence[str]) -> frozenset[str]:
        """People named whom the members table does not know yet are asked of Slack and stored
        (SlackUnavailable, nothing stored, when it does not answer); the ids Slack has nobody for."""
        if self.look_up_people is None or not people:
            return frozenset()
        return self.look_up_people(people)

    def components(self, text: str) -> tuple[Component, ...]:
        """The component the words name, or the ones several ids in a row name (`home api`)."""
        if not self.catalog:
            raise UsageError(
                f"There is no component “{as_typed(text)}”: the catalog is empty (INCIDENT_CATALOG). "
                "Page people or user groups: mention them with @."
            )
        named = self.catalog.find_several(text) or (self.catalog.lookup(text),)
        for component in named:
            if component.oncall is None:
                raise RuleRefused(
                    f"{component.name(self.language)} (`{component.id}`) has no on-call group in the catalog "
                    "(`oncall`): page people or a user group with @ instead."
                )
        return named

    def learn_groups(self, groups: Sequence[tuple[str, str]]) -> None:
        """A group mentioned before the bot heard of it is asked of Slack once (at most 1 s); one
        Slack says does not exist is refused at once (NotFound), not as a group Slack could not tell."""
        if self.look_up_group is None:
            return
        with self.db.read() as session:
            unknown = [(gid, handle) for gid, handle in groups if usergroups.get(session=session, group_id=gid) is None]
        for group_id, handle in unknown:
            try:
                self.look_up_group(group_id, handle)
            except NoSuchGroup:
                raise NotFound(
                    f"There is no user group {handle or group_id} in this workspace: Slack says so (deleted, "
                    "or renamed since it was typed?). Pick one from Slack's list, or page people directly."
                ) from None

    def group_plan(self, session: Session, group_id: str, handle: str) -> Reached:
        group = usergroups.get(session=session, group_id=group_id)
        if group is None:
            raise NotFound(
                f"I do not know the user group {handle or group_id}, and Slack could not tell me its members "
                "just now. Try again in a minute, or page people directly."
            )
        return self._plan(Target(TargetKind.GROUP, group.id, group.mention), Via.GROUP, group)

    def handle_plan(self, session: Session, handle: str) -> Reached:
        """`@oncall-web` typed without picking it from Slack's list (or mistyped): the enabled group
        with that handle, else a refusal suggesting the closest handle."""
        group = usergroups.by_handle(session=session, handle=handle)
        if group is not None:
            return self._plan(Target(TargetKind.GROUP, group.id, group.mention), Via.GROUP, group)
        close = difflib.get_close_matches(handle.lower(), usergroups.handles(session=session), n=1, cutoff=0.6)
        hint = f" Did you mean @{close[0]}?" if close else ""
        raise NotFound(
            f"There is no user group @{handle} in this workspace.{hint} For a person, type @ and pick them "
            "from Slack's list."
        )

    def oncall_plan(self, session: Session, component: Component) -> Reached:
        name = component.name(self.language)
        group = find_group(session, component.oncall or "")
        if group is None:
            raise RuleRefused(
                f"The on-call group of {name}, `{component.oncall}` in the catalog, is not a user group "
                "the bot knows in this workspace: check its handle, or page people directly."
            )
        return self._plan(Target(TargetKind.COMPONENT, component.id, name), Via.ONCALL, group)

    def _plan(self, target: Target, via: Via, group: KnownGroup) -> Reached:
        if group.disabled:
            raise RuleRefused(f"The user group {group.mention} is disabled in Slack: nobody to page through it.")
        if not group.members:
            raise RuleRefused(f"The user group {group.mention} has no members: nobody to page through it.")
        return Reached(target, via, group.mention, group.members)

    def plan_again(self, session: Session, request: PageRequest, said: ReplyWords) -> tuple[list[Reached], LeftOut]:
        """*Page again*: everyone the unanswered request asked, as the bot knows them now: its people,
        its group's members, or its component's on-call group and the escalation group it escalated
        to (or the component's escalation group, when its on-call group can no longer be paged);
        and the groups that can no longer be paged (unknown, disabled, empty), with why."""
        target = request.target
        if target.kind is TargetKind.PERSON:
            return [Reached(target, Via.DIRECT, "", target.people)], ()
        if target.kind is TargetKind.GROUP:
            return self._reachable(
                usergroups.get(session=session, group_id=target.ref), target.label, target, Via.GROUP
            )
        component = self.catalog.get(target.ref)
        if component is None or component.oncall is None:
            raise RuleRefused(said("not_in_catalog", what=target.label))
        target = Target(TargetKind.COMPONENT, component.id, component.name(self.language))
        plans, left_out = self._reachable(find_group(session, component.oncall), component.oncall, target, Via.ONCALL)
        escalation = request.escalation or (component.escalation if left_out else None)
        if escalation:  # it escalated, or nobody on call can be paged: the escalation group is asked too
            more, also_left_out = self._reachable(find_group(session, escalation), escalation, target, Via.ESCALATION)
            plans, left_out = plans + more, left_out + also_left_out
        return plans, left_out

    def _reachable(
        self, group: KnownGroup | None, named: str, target: Target, via: Via
    ) -> tuple[list[Reached], LeftOut]:
        """The group's people reached for `target`, or why it pages nobody (`named`: as the request
        or the catalog names it)."""
        why = unpageable(group)
        if group is None or why is not None:
            return [], ((group.mention if group else named, why or Unpageable.UNKNOWN),)
        return [Reached(target, via, group.mention, group.members)], ()


def reached_by(session: Session, catalog: Catalog, request: PageRequest) -> frozenset[str]:
    """Everyone `request` reaches as the bot knows them now: its people, its user group's members, or
    its component's on-call group's (and escalation group's, once escalated)."""
    target = request.target
    if target.kind is TargetKind.PERSON:
        return frozenset(target.people)
    component = catalog.get(target.ref) if target.kind is TargetKind.COMPONENT else None
    refs = [target.ref] if component is None else [component.oncall or ""]
    if component is not None and request.state is RequestState.ESCALATED:
        refs.append(component.escalation or "")
    return frozenset(person for ref in refs if ref and (group := find_group(session, ref)) for person in group.members)


def left_out_of(session: Session, catalog: Catalog, answered: PageRequest, person: str) -> list[PageRequest]:
    """The other requests of `answered`'s incident still waiting that reach `person` and sent them no
    page (left out: already paged): `person` acknowledging `answered` answers them too, rather than
    their escalation group being paged for what someone on call for them took."""
    incident_id = answered.incident_id
    theirs = {
        page.request.id
        for page in pages.of_incident(session=session, incident_id=incident_id)
        if page.user_id == person
    }
    return [
        request
        for request in pages.requests_of(session=session, incident_id=incident_id)
        if request.id != answered.id
        and request.id not in theirs
        and request.state.waiting
        and person in reached_by(session, catalog, request)
    ]


def candidate(session: Session, user_id: str, missing: frozenset[str] = frozenset()) -> Candidate:
    """Someone reached, as the members table knows them (`missing`: ids Slack has nobody for)."""
    member = members.get(session=session, user_id=user_id)
    if member is None:
        return Candidate(user_id, known=False, missing=user_id in missing)
    return Candidate(user_id, is_bot=member.is_bot, is_guest=member.is_guest, deleted=member.deleted)


def find_group(session: Session, ref: str) -> KnownGroup | None:
    """A user group the catalog names by id (S...) or by handle."""
    return usergroups.get(session=session, group_id=ref) or usergroups.by_handle(session=session, handle=ref)


def never_paged(session: Session, people: Iterable[str]) -> dict[str, Skipped]:
    """Who of `people` is never paged by anyone, and why (guests, apps, deactivated accounts,
    people the members table does not know)."""
    found = {person: why_not(candidate(session, person), pager="") for person in set(people)}
    return {person: reason for person, reason in found.items() if reason is not None}


def on_call(session: Session, component: Component, language: str) -> OnCall:
    """A component's on-call and escalation groups as the bot knows them now, and who of their
    members is never paged (`/incident oncall`, the App Home's *On call*)."""
    oncall = find_group(session, component.oncall) if component.oncall else None
    escalation = find_group(session, component.escalation) if component.escalation else None
    members = [person for group in (oncall, escalation) if group is not None for person in group.members]
    return OnCall(
        component.id,
        component.name(language),
        component.oncall,
        oncall,
        component.escalation,
        escalation,
        never_paged(session, members),
    )
