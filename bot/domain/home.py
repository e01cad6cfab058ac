"""The App Home (docs/behaviour.md, The App Home): what one person sees, as domain values, and the
pure rules it is read with. Storage fills a `Home` (bot/home.py), `bot.render.home` lays it out.

- The language and the time zone: the person's, as `bot.domain.readers` decides them (their Slack
  locale among the configured languages, their Slack `tz`), as for their pages' direct messages.
- Each section is fed by its own query and shown only with what exists: pages, alert groups and
  on-call once paging, alerts and the catalog are there (a `None` section is left out).
- Guests read nothing by default (`INCIDENT_GUESTS_READ`): their Home says so; allowed to read,
  they read what `list` shows them (public incidents, their own follow-ups) and declare nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.incident import Incident
from bot.domain.paging import OnCall, Target, reach

RECENT_VIEWERS = timedelta(days=7)  # a Home opened this recently is kept current
PUBLISH_EVERY = timedelta(seconds=10)  # at most one views.publish a person this often
RESOLVED_SHOWN = 5


@dataclass(frozen=True)
class OnHome:
    """An incident as a Home lists it: its next public update due (None: none is due)."""

    incident: Incident
    due: datetime | None = None


@dataclass(frozen=True)
class Resolved:
    incident: Incident
    lasted: timedelta | None  # impact start to resolution, as the close reported it


@dataclass(frozen=True)
class OpenFollowUp:
    number: int  # its id, as `/incident followup done <id>` takes it
    incident: Incident
    text: str
    due: date | None


@dataclass(frozen=True)
class WaitingPage:
    """A page waiting for the person's answer: its *Acknowledge* is the direct message's."""

    page_id: int
    incident: Incident
    paged_by: str
    paged_at: datetime
    group: str = ""  # the user group it reached them through (`@oncall-web`), "" when paged by name
    escalated_for: Target | None = None  # nobody on call for this component took it: `group` is its escalation group


@dataclass(frozen=True)
class WaitingGroup:
    """An alert group waiting for a person's decision in the alert channel."""

    group_id: int
    version: int  # its triage's version, which its buttons carry (a decided group's change nothing)
    title: str
    severity: int
    first_seen_at: datetime
    alerts: int  # alerts firing in it
    channel_id: str | None  # the alert channel, when its message is there
    message_ts: str | None


@dataclass(frozen=True)
class Home:
    viewer: str
    language: str
    zone: ZoneInfo
    now: datetime
    guest: bool = False  # never declares or changes
    reads: bool = True  # False: a guest where guests read nothing (the Home says only that)
    mine: Sequence[OnHome] = ()
    mine_more: int = 0
    pages: Sequence[WaitingPage] | None = None  # None: a guest (never paged)
    pages_more: int = 0
    others: Sequence[OnHome] = ()
    others_more: int = 0
    resolved: Sequence[Resolved] = ()
    follow_ups: Sequence[OpenFollowUp] = ()
    follow_ups_more: int = 0
    alert_groups: Sequence[WaitingGroup] | None = None  # None: no alert channel, or a guest
    alert_groups_more: int = 0
    alert_channel: str | None = None  # where the groups the Home leaves out wait (INCIDENT_ALERT_CHANNEL)
    add_to: Sequence[Incident] = ()  # what each waiting group's *Add to incident* offers (as in its message)
    oncall: Sequence[OnCall] | None = None  # components with an on-call group (None: none has, or a guest)
    names: Mapping[str, str] = field(default_factory=dict)
    published: str | None = None  # the digest of the view last published for the viewer (None: none)


def overdue_by(due: datetime, now: datetime) -> timedelta | None:
    """How late the next public update is (None: it is not due yet)."""
    return now - due if now >= due else None


def on_call_people(on_call: OnCall) -> tuple[str, ...]:
    """Who a component's on-call group pages now (nobody: a group unknown or disabled; never
    guests, apps, deactivated accounts or people the bot does not know)."""
    return reach(on_call.oncall_group, on_call.never)[0]
