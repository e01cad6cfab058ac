"""Paging (docs/behaviour.md, Paging): whom a page reaches, who may be paged, what a request of
pages waits for, and what its timeline entries record. Pure: the service reads the members, the
user groups and the catalog, and hands them in.

A **request** is one thing asked for by `/incident page` (the people it names, a user group's
members, or a component's on-call group): it is acknowledged once, by the first of its people to press
*Acknowledge*, and if nobody does within the escalation time, a component's request pages its
`escalation` group (`Via.ESCALATION`, pages of the same request); a request nobody answers is
told in the incident channel (`RequestState.UNANSWERED`), and can still be acknowledged until
the incident is resolved. Resolving it ends every request still waiting for an answer or a step
(`RequestState.ENDED`) and every page still waiting (`PageState.ENDED`): nothing more comes of
them, and a reopening does not bring them back (paging again does). A **page** is one person
asked, through one direct message.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.catalog import Catalog
from bot.domain.incident import EntryKind, Incident, TimelineEntry
from bot.domain.usergroups import KnownGroup, Unpageable

DEFAULT_ESCALATE_AFTER = timedelta(minutes=5)


class TargetKind(StrEnum):
    """How a request was named: people (`@bob @carol`), a user group (`@oncall-web`), a component (`home`)."""

    PERSON = "person"
    GROUP = "group"
    COMPONENT = "component"


@dataclass(frozen=True)
class Target:
    """What a request pages: `ref` is the people's user ids (comma-separated: the people one
    command names form one request, taken by the first of them to acknowledge), the group id or
    the component id; `label` how people read it (`@oncall-web`, `Home page`; "" for people, shown
    by name)."""

    kind: TargetKind
    ref: str
    label: str = ""

    @property
    def people(self) -> tuple[str, ...]:
        """The people a request for people named (none for a group or a component)."""
        return tuple(self.ref.split(PEOPLE_SEPARATOR)) if self.kind is TargetKind.PERSON else ()


PEOPLE_SEPARATOR = ","


def read_in(target: Target, catalog: Catalog, language: str) -> Target:
    """`target` as a reader of `language` names it: a component by its name in that language as the
    catalog gives it now (`Component.name`, as the App Home's *On call* names it), else by the name
    it was paged by (the catalog no longer has it); people and groups as they are."""
    component = catalog.get(target.ref) if target.kind is TargetKind.COMPONENT else None
    return target if component is None else replace(target, label=component.name(language))


def people_target(people: Sequence[str]) -> Target:
    """The request for people named in one command (`page @carol @dave`)."""
    return Target(TargetKind.PERSON, PEOPLE_SEPARATOR.join(people))


class Via(StrEnum):
    """Why one person was paged: named, a member of the group named, in the component's on-call
    group, or in its escalation group because nobody answered."""

    DIRECT = "direct"
    GROUP = "group"
    ONCALL = "oncall"
    ESCALATION = "escalation"


class PageState(StrEnum):
    WAITING = "waiting"  # recorded; its direct message not sent yet (Slack may be down)
    SENT = "sent"  # the direct message was sent; no answer yet
    ACKNOWLEDGED = "acknowledged"  # this person took it
    DECLINED = "declined"  # this person cannot take it
    TAKEN = "taken"  # someone else acknowledged the request first
    REPLACED = "replaced"  # the request was paged again: a newer direct message asks instead
    ENDED = "ended"  # the incident was resolved before this person answered: no answer is needed

    @property
    def is_open(self) -> bool:
        """Still waiting for this person's answer: paging them again would add nothing."""
        return self in (PageState.WAITING, PageState.SENT)


class RequestState(StrEnum):
    OPEN = "open"  # waiting for an answer (the escalation time counts from the first message sent)
    ESCALATED = "escalated"  # nobody answered: the component's escalation group was paged
    UNANSWERED = "unanswered"  # nobody answered: the channel was told (still open to an acknowledgement)
    ACKNOWLEDGED = "acknowledged"
    REPLACED = "replaced"  # paged again: a newer request asks the same people
    ENDED = "ended"  # the incident was resolved while it waited: no step, no answer (a reopening keeps it so)

    @property
    def waiting(self) -> bool:
        return self in (RequestState.OPEN, RequestState.ESCALATED, RequestState.UNANSWERED)


@dataclass(frozen=True)
class PageRequest:
    """A request as stored (`bot.storage.pages`)."""

    id: int
    incident_id: int
    target: Target
    paged_by: str
    created_at: datetime
    state: RequestState
    group: str = ""  # the user group it reached (`@oncall-web`), "" for a person
    escalate_at: datetime | None = None  # when nobody having answered means the next step
    escalation: str = ""  # the escalation group paged (`@sre-leads`), once escalated
    escalated_at: datetime | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    unanswered_at: datetime | None = None


@dataclass(frozen=True)
class Page:
    """One person paged for a request, as stored."""

    id: int
    request: PageRequest
    user_id: str
    via: Via
    state: PageState
    created_at: datetime
    sent_at: datetime | None = None
    channel: str | None = None  # the direct message's conversation and ts, once sent
    ts: str | None = None
    answered_at: datetime | None = None
    asked_again: bool = False  # replaced: a newer page of the incident still waits for this person's answer
    paged_since: bool = False  # replaced: the person was paged for the incident since (answered or not)


# --- who is paged -----------------------------------------------------------------------------


class Skipped(StrEnum):
    """Why someone reached by a page is not paged (said to the person paging)."""

    GUEST = "a workspace guest"
    APP = "an app"
    DEACTIVATED = "deactivated"
    UNKNOWN = "not known to the bot yet"
    MISSING = "not in this workspace"  # Slack, asked, has nobody by that id
    PAGER = "the one paging"


@dataclass(frozen=True)
class Candidate:
    """Someone a page reaches, as the members table knows them (`known` False: not in it;
    `missing`: and Slack, asked, has nobody by that id)."""

    user_id: str
    known: bool = True
    missing: bool = False
    is_bot: bool = False
    is_guest: bool = False
    deleted: bool = False


def why_not(candidate: Candidate, pager: str) -> Skipped | None:
    """Why `candidate` is never paged (guests, apps, deactivated accounts, people the bot does
    not know, and whoever is paging), or None: they may be paged."""
    if candidate.user_id == pager:
        return Skipped.PAGER
    if not candidate.known:
        return Skipped.MISSING if candidate.missing else Skipped.UNKNOWN
    if candidate.is_bot:
        return Skipped.APP
    if candidate.deleted:
        return Skipped.DEACTIVATED
    if candidate.is_guest:
        return Skipped.GUEST
    return None


@dataclass(frozen=True)
class Choice:
    """Who of the people reached is paged, who is skipped and why, and who is still waiting to
    answer an earlier page (since when): each person once, in the order reached."""

    paged: tuple[str, ...]
    skipped: tuple[tuple[str, Skipped], ...] = ()
    waiting: tuple[tuple[str, datetime], ...] = ()


def choose(
    reached: Iterable[Candidate], *, pager: str, open_since: Mapping[str, datetime], seen: Iterable[str] = ()
) -> Choice:
    """The people to page among `reached`: not those never paged (`why_not`), not those with an
    open page of this incident (`open_since`), not those already `seen` (reached by an earlier
    target of the same command)."""
    done = set(seen)
    paged: list[str] = []
    skipped: list[tuple[str, Skipped]] = []
    waiting: list[tuple[str, datetime]] = []
    for candidate in reached:
        if candidate.user_id in done:
            continue
        done.add(candidate.user_id)
        reason = why_not(candidate, pager)
        if reason is not None:
            skipped.append((candidate.user_id, reason))
        elif candidate.user_id in open_since:
            waiting.append((candidate.user_id, open_since[candidate.user_id]))
        else:
            paged.append(candidate.user_id)
    return Choice(tuple(paged), tuple(skipped), tuple(waiting))


@dataclass(frozen=True)
class Asked:
    """One request a command made: what it was for, why its people were reached, who was paged."""

    target: Target
    via: Via
    group: str  # the user group it reached (`@oncall-web`), "" for a person
    paged: tuple[str, ...]


@dataclass(frozen=True)
class Paged:
    """What `/incident page` did: the requests made, who was skipped and why, who still had an
    open page (since when), and the user groups that could not be paged (as named, and why: *Page
    again*, whose on-call group may be disabled since), for the reply to the person paging."""

    incident: Incident
    asked: tuple[Asked, ...]
    skipped: tuple[tuple[str, Skipped], ...] = ()
    waiting: tuple[tuple[str, datetime], ...] = ()
    groups_left_out: tuple[tuple[str, Unpageable], ...] = ()


@dataclass(frozen=True)
class OnCall:
    """Who a component's pages reach now (`/incident oncall`): its groups as the catalog names them
    (a handle or an id) and as the bot knows them (None: a group the workspace does not have), and
    which of their members are never paged, and why (`why_not`: guests, apps, deactivated
    accounts, people the bot does not know)."""

    component_id: str
    name: str
    oncall: str | None = None
    oncall_group: KnownGroup | None = None
    escalation: str | None = None
    escalation_group: KnownGroup | None = None
    never: Mapping[str, Skipped] = field(default_factory=dict)


def reach(group: KnownGroup | None, never: Mapping[str, Skipped]) -> tuple[tuple[str, ...], tuple[Skipped, ...]]:
    """Whom a page through `group` reaches now (nobody: a group unknown or disabled), and why each
    of its other members is left out, in the group's order."""
    if group is None or group.disabled:
        return (), ()
    paged = tuple(person for person in group.members if person not in never)
    return paged, tuple(never[person] for person in group.members if person in never)


def escalation_group(request: PageRequest, escalation: str | None) -> str | None:
    """The group to page when nobody answered `request`: the component's `escalation` group, once
    (a person or a group paged directly has none; an escalation that went unanswered neither)."""
    if request.target.kind is TargetKind.COMPONENT and request.state is RequestState.OPEN:
        return escalation
    return None


def all_declined(pages: Sequence[Page]) -> bool:
    """Every page of the request's latest round was answered *Can't take it*: as good as silence,
    so the next step need not wait for the escalation time."""
    latest = [page for page in pages if page.state is not PageState.REPLACED]
    escalated = [page.created_at for page in latest if page.via is Via.ESCALATION]
    # The escalation's round; paged again with its escalation group, everyone was paged at once.
    current = [page for page in latest if page.created_at >= min(escalated)] if escalated else latest
    return bool(current) and all(page.state is PageState.DECLINED for page in current)


# --- timeline entries ---------------------------------------------------------------------------
# The text of each kind starts with the target (`component home Home page`); then, per kind:
#   paged                 via group (`oncall @oncall-web`), then the people paged (user ids)
#   page_escalated        `escalation @sre-leads`, the people paged, the seconds waited, then
#                         `declined` when it came early because everyone paged said Can't take it
#   page_ack              the seconds from the page to the acknowledgement
#   page_declined         nothing more
#   page_unanswered       the seconds waited, then `declined` as for page_escalated
DECLINED_MARK = "declined"


@dataclass(frozen=True)
class PageNews:
    """What a paging entry records (`read_news`)."""

    target: Target
    via: Via | None = None
    group: str = ""
    people: tuple[str, ...] = ()
    waited: timedelta | None = None
    declined: bool = False  # the step came early: everyone paged said they can't take it


PAGING_KINDS = frozenset(
    {
        EntryKind.PAGED,
        EntryKind.PAGE_ESCALATED,
        EntryKind.PAGE_ACKNOWLEDGED,
        EntryKind.PAGE_DECLINED,
        EntryKind.PAGE_UNANSWERED,
    }
)


def _target_line(target: Target) -> str:
    return f"{target.kind.value} {target.ref} {target.label}".rstrip()


def paged_entry(
    target: Target, via: Via, group: str, people: Sequence[str], *, actor: str, now: datetime
) -> TimelineEntry:
    """`bob paged alice, carol (on call for Home page, @oncall-web)`."""
    text = "\n".join([_target_line(target), f"{via.value} {group}".rstrip(), " ".join(people)])
    return TimelineEntry(at=now, recorded_at=now, actor=actor, kind=EntryKind.PAGED, text=text)


def escalated_entry(
    target: Target,
    group: str,
    people: Sequence[str],
    waited: timedelta,
    *,
    actor: str,
    now: datetime,
    declined: bool = False,
) -> TimelineEntry:
    """Nobody acknowledged the page for `target` within `waited` (`declined`: everyone paged said
    they can't take it): the escalation group's people were paged (the bot's own act: `actor` is
    who paged first)."""
    lines = [_target_line(target), f"{Via.ESCALATION.value} {group}", " ".join(people), _seconds(waited)]
    lines += [DECLINED_MARK] if declined else []
    return TimelineEntry(at=now, recorded_at=now, actor=actor, kind=EntryKind.PAGE_ESCALATED, text="\n".join(lines))


def acknowledged_entry(target: Target, waited: timedelta, *, actor: str, now: datetime) -> TimelineEntry:
    text = f"{_target_line(target)}\n{_seconds(waited)}"
    return TimelineEntry(at=now, recorded_at=now, actor=actor, kind=EntryKind.PAGE_ACKNOWLEDGED, text=text)


def declined_entry(target: Target, *, actor: str, now: datetime) -> TimelineEntry:
    return TimelineEntry(at=now, recorded_at=now, actor=actor, kind=EntryKind.PAGE_DECLINED, text=_target_line(target))


def unanswered_entry(
    target: Target, waited: timedelta, *, actor: str, now: datetime, declined: bool = False
) -> TimelineEntry:
    text = "\n".join([_target_line(target), _seconds(waited), *([DECLINED_MARK] if declined else [])])
    return TimelineEntry(at=now, recorded_at=now, actor=actor, kind=EntryKind.PAGE_UNANSWERED, text=text)


def _seconds(length: timedelta) -> str:
    return str(max(0, int(length.total_seconds())))


def read_news(entry: TimelineEntry) -> PageNews:
    """What a paging entry (a kind of `PAGING_KINDS`) records."""
    lines = entry.text.split("\n")
    kind, ref, label = [*lines[0].split(" ", 2), "", ""][:3]
    target = Target(TargetKind(kind), ref, label)
    if entry.kind in (EntryKind.PAGED, EntryKind.PAGE_ESCALATED):
        via, _, group = lines[1].partition(" ")
        waited = timedelta(seconds=int(lines[3])) if len(lines) > 3 else None
        declined = lines[4:5] == [DECLINED_MARK]
        return PageNews(target, Via(via), group, tuple(lines[2].split()), waited, declined)
    if entry.kind in (EntryKind.PAGE_ACKNOWLEDGED, EntryKind.PAGE_UNANSWERED):
        declined = lines[2:3] == [DECLINED_MARK]
        return PageNews(target, waited=timedelta(seconds=int(lines[1])), declined=declined)
    return PageNews(target)


def entry_people(entry: TimelineEntry) -> set[str]:
    """The people a paging entry names: those paged, and the person a request was for."""
    if entry.kind not in PAGING_KINDS:
        return set()
    news = read_news(entry)
    return set(news.target.people) | set(news.people)
