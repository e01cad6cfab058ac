"""The typed commands `/incident ...` becomes: one frozen dataclass per subcommand.

`bot.slack.parse` reads a command's text into one of them, the card's buttons build them
directly (`bot.slack.listeners`), and `bot.slack.run` hands them to the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from bot.domain.catalog import ComponentState
from bot.domain.declared import SourceMessage
from bot.domain.incident import Attack, Status
from bot.domain.retro import RetroState
from bot.domain.roles import Role


@dataclass(frozen=True, slots=True)
class Open:
    severity: int
    title: str  # "" when none was given: the app asks for it in a modal
    at: str | None
    private: bool = False  # `--private`: a private channel, no announcement, never public
    message: SourceMessage | None = None  # declared from this message (the open modal's, from the shortcut)
    components: tuple[tuple[str, ComponentState], ...] = ()  # catalog ids and states (the open modal's)


@dataclass(frozen=True, slots=True)
class SetVisibility:
    incident: int | None
    private: bool  # `private` or `public`


@dataclass(frozen=True, slots=True)
class SetStatus:
    incident: int | None
    status: Status  # never RESOLVED: `status ... resolved` parses as `Close`
    message: str
    at: str | None


@dataclass(frozen=True, slots=True)
class Close:
    incident: int | None
    summary: str
    at: str | None


@dataclass(frozen=True, slots=True)
class Note:
    incident: int | None
    text: str
    at: str | None


@dataclass(frozen=True, slots=True)
class Impact:
    incident: int | None
    text: str
    language: str | None = None  # None: the default language's text; checked against the wordings later


@dataclass(frozen=True, slots=True)
class Affect:
    incident: int | None
    component: str  # as typed: an id or a name, matched against the catalog by the service
    state: ComponentState | None  # None: none at the end (bot.domain.affects.without_state)
    at: str | None


@dataclass(frozen=True, slots=True)
class PublicTitle:
    incident: int | None
    text: str


@dataclass(frozen=True, slots=True)
class SetSeverity:
    incident: int | None
    severity: int


@dataclass(frozen=True, slots=True)
class SetLead:
    incident: int | None
    user_id: str


@dataclass(frozen=True, slots=True)
class SetRole:
    incident: int | None
    role: Role
    user_id: str | None  # None: clear the role


@dataclass(frozen=True, slots=True)
class SetAttack:
    incident: int | None
    attack: Attack
    first: bool = False  # the prompt under a draft: only while nobody has assessed it


@dataclass(frozen=True, slots=True)
class WriteDrafts:
    incident: int | None
    language: str | None  # a 2-3 letter code, lower case; checked against settings later
    length: str | None  # "short" | "long"


@dataclass(frozen=True, slots=True)
class PageSomeone:
    """`/incident page [INC-n] <@person | @group | component> ...`: each in the order written."""

    incident: int | None
    people: tuple[str, ...]  # user ids
    groups: tuple[tuple[str, str], ...]  # (group id, its handle as Slack wrote it)
    components: tuple[str, ...]  # as typed: one or more catalog ids or names each, matched by the service
    handles: tuple[str, ...] = ()  # `@word`s Slack did not turn into mentions: user group handles to find


@dataclass(frozen=True, slots=True)
class ShowOncall:
    """`/incident oncall [component]`: who is in each component's on-call and escalation group now."""

    component: str | None  # as typed; None: every component of the catalog


@dataclass(frozen=True, slots=True)
class ShowTimeline:
    incident: int | None


@dataclass(frozen=True, slots=True)
class Reopen:
    incident: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class ListIncidents:
    all: bool


@dataclass(frozen=True, slots=True)
class AddFollowUp:
    incident: int | None
    text: str
    owner: str | None  # a user id
    due: str | None  # as typed; the date is checked against today by the domain


@dataclass(frozen=True, slots=True)
class FinishFollowUp:
    follow_up: int


@dataclass(frozen=True, slots=True)
class Relate:
    incident: int | None
    other: int
    linked: bool  # False: `unrelated`


@dataclass(frozen=True, slots=True)
class Retro:
    incident: int | None
    decision: RetroState | None  # None: build and upload the document
    reason: str


@dataclass(frozen=True, slots=True)
class Stats:
    window: str  # "30d" | "90d"


@dataclass(frozen=True, slots=True)
class ShowSubscribers:
    """`/incident subscribers`: the status page's subscribers, counted."""


@dataclass(frozen=True, slots=True)
class Help:
    pass


IncidentChange: TypeAlias = (
    SetStatus
    | Close
    | Note
    | Impact
    | Affect
    | PublicTitle
    | SetSeverity
    | SetLead
    | SetRole
    | SetAttack
    | Reopen
    | SetVisibility
    | PageSomeone
)
"""The commands that change an existing incident (named by `incident`, or this channel's)."""

Aftermath: TypeAlias = AddFollowUp | FinishFollowUp | Relate | Retro
"""The commands about what outlives the incident (bot.aftermath)."""

Reading: TypeAlias = ShowTimeline | ListIncidents | Stats | ShowSubscribers | ShowOncall
"""The commands that only show what is stored: refused to guests unless INCIDENT_GUESTS_READ=true."""

Command: TypeAlias = Open | IncidentChange | WriteDrafts | Reading | Aftermath | Help
