"""The incident lifecycle: statuses, the transition table and every change as a pure rule.

Each rule takes the current `Incident` and the moment of the change (`at`, already parsed,
aware) plus `now`, and returns the new `Incident` with the `TimelineEntry` that records the
change. A rule that refuses raises a `UserError` subclass whose message says exactly why.
Nothing here reads a clock or touches storage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.markup import collapse_spaces, from_words, visible_length
from bot.domain.timefmt import day_and_time, require_aware
from bot.errors import BadTime, RuleRefused, UsageError

TITLE_MAX = 150
MARKUP_ALLOWANCE = 20  # written text may be this many times its visible limit (links, mentions)
NOTE_MAX = 3000
IMPACT_MAX = 1000
PUBLIC_TITLE_MAX = 150
SEVERITIES = (1, 2, 3, 4)
DEFAULT_SEVERITY = 2


class Status(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"

    @property
    def is_open(self) -> bool:
        return self is not Status.RESOLVED


STATUS_ORDER: tuple[Status, ...] = tuple(Status)


class Attack(StrEnum):
    """The security assessment; it decides what public drafts may claim (bot.domain.drafts).

    Every incident starts not assessed, and public drafts then claim nothing about security: only
    a person decides that the public may be told there is no evidence of an attack. Once assessed
    it never goes back to not assessed."""

    NOT_ASSESSED = "not-assessed"
    NO_EVIDENCE = "no-evidence"
    SUSPECTED = "suspected"
    CONFIRMED = "confirmed"
    NOT_RELEVANT = "not-relevant"  # a plain bug: drafts say nothing about security, nobody is warned


class EntryKind(StrEnum):
    OPENED = "opened"
    STATUS = "status"  # status_from -> status_to; from == to is an update with a message
    REOPENED = "reopened"
    NOTE = "note"
    IMPACT = "impact"
    SEVERITY = "severity"
    LEAD = "lead"
    ROLE = "role"  # comms or scribe assigned or cleared (bot.domain.roles)
    ATTACK = "attack"
    MESSAGE = "message"  # a Slack message added with :pushpin: or "Add to timeline"
    DRAFT = "draft"
    PUBLISHED = "published"
    CORRECTED = "corrected"  # a published update's text was corrected
    PROMISE = "promise"  # a published update answered the previous promise, kept or late (bot.domain.reminders)
    SNOOZED = "snoozed"  # the update reminder was snoozed
    NO_UPDATE = "no_update"  # "no update needed now": the deadline was reset
    PUBLIC_TITLE = "public_title"  # the incident's name on the status page and feeds
    RELATED = "related"  # a similar earlier incident found at open, or a link made or removed
    FOLLOW_UP = "follow_up"  # a follow-up added or finished
    RETRO = "retro"  # the retrospective marked done or waived
    VISIBILITY = "visibility"  # made private or public (bot.domain.visibility); text is the new one
    COMPONENTS = "components"  # catalog components affected, changed or returned (bot.domain.affects)
    PAGED = "paged"  # people paged for a person, a group or a component (bot.domain.paging)
    PAGE_ESCALATED = "page_escalated"  # nobody answered: the component's escalation group was paged
    PAGE_ACKNOWLEDGED = "page_ack"  # someone paged took it
    PAGE_DECLINED = "page_declined"  # someone paged cannot take it
    PAGE_UNANSWERED = "page_unanswered"  # nobody answered a page, and there is nobody further to page
    ALERTS = "alerts"  # a group of alerts attached, or its alerts firing or resolving (bot.domain.triage)
    CHANNEL = "channel"  # moved to a new private channel (bot.domain.visibility)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime  # when it happened (may be backdated)
    recorded_at: datetime  # when the bot learnt of it
    actor: str  # Slack user id
    kind: EntryKind
    text: str = ""
    status_from: Status | None = None
    status_to: Status | None = None
    source: str | None = None  # dedupe key of a copied Slack message ("C123/1700000000.000100")
    link: str | None = None  # its permalink, when it is not in the incident's channel (Slack's, once asked)

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", require_aware(self.at, "at"))
        object.__setattr__(self, "recorded_at", require_aware(self.recorded_at, "recorded_at"))


@dataclass(frozen=True)
class Incident:
    number: int
    title: str
    severity: int
    status: Status
    lead: str
    opened_by: str
    attack: Attack
    impact: str  # in the default language; every language's in `impacts`
    channel_id: str | None
    impact_started_at: datetime  # the outage began (backdated with --at)
    opened_at: datetime  # the bot was told
    status_since: datetime  # the current status began
    resolved_at: datetime | None  # the latest resolution while resolved
    comms: str | None = None  # the comms lead (bot.domain.roles); None: unset
    scribe: str | None = None
    public_title: str = ""  # its name on the status page, in public words; "": a neutral phrase
    impacts: tuple[tuple[str, str], ...] = ()  # (language, text), the default first (bot.domain.impacts)
    private: bool = False  # never public, hidden from `list` outside it (bot.domain.visibility)
    public_since: datetime | None = None  # made public after being private: older updates stay hidden
    channel_private: bool = False  # its Slack channel is private (anyone can join a public one and read it)

    def __post_init__(self) -> None:
        for name in ("impact_started_at", "opened_at", "status_since"):
            object.__setattr__(self, name, require_aware(getattr(self, name), name))
        for optional in ("resolved_at", "public_since"):
            if getattr(self, optional) is not None:
                object.__setattr__(self, optional, require_aware(getattr(self, optional), optional))

    @property
    def name(self) -> str:
        return format_name(self.number)


def format_name(number: int) -> str:
    return f"INC-{number}"


_NAME = re.compile(r"^inc-(\d{1,9})$", re.IGNORECASE)


def parse_name(word: str) -> int | None:
    """`INC-7` / `inc-7` -> 7; anything else -> None."""
    match = _NAME.match(word)
    return int(match.group(1)) if match else None


# --- checks on user text -------------------------------------------------------------------


def checked_text(text: str, *, what: str, limit: int, one_line: bool, empty: str | None = None) -> str:
    """User text trimmed (and collapsed to one line if `one_line`), within `limit` characters.

    `empty` is the refusal for an empty text; without it an empty text is allowed.
    """
    cleaned = collapse_spaces(text) if one_line else text.strip()
    if not cleaned and empty is not None:
        raise UsageError(empty)
    shown = visible_length(cleaned)  # what a reader sees: a link's label, not its address
    if shown > limit:
        raise UsageError(f"The {what} is {shown} characters long; the limit is {limit}.")
    if len(cleaned) > limit * MARKUP_ALLOWANCE:
        raise UsageError(f"The {what} holds too much markup ({len(cleaned)} characters as written).")
    return cleaned


def clean_title(title: str) -> str:
    return checked_text(title, what="title", limit=TITLE_MAX, one_line=True, empty="The title is empty.")


def clean_note(text: str) -> str:
    return checked_text(text, what="note", limit=NOTE_MAX, one_line=False, empty="The note is empty.")


def clean_impact(text: str) -> str:
    empty = "The impact text is empty: say what customers experience."
    return checked_text(text, what="impact text", limit=IMPACT_MAX, one_line=True, empty=empty)


def check_severity(severity: int) -> int:
    if severity not in SEVERITIES:
        raise UsageError(f"Severity must be 1, 2, 3 or 4 (sev1 is the most severe), not {severity}.")
    return severity


# --- the transition table ------------------------------------------------------------------


def transition_refusal(name: str, current: Status, to: Status, *, has_message: bool) -> str | None:
    """Why `current -> to` is refused, or None when it is allowed.

    Forward, skipping and backward moves between open statuses are allowed; the current
    status again is an update and needs a message; a resolved incident only reopens.
    """
    if current is Status.RESOLVED:
        if to is Status.RESOLVED:
            return f"{name} is already resolved."
        return f"{name} is resolved; to work on it again use `/incident reopen {name} [reason]`."
    if to is current and not has_message:
        return f"{name} is already {current.value}; add a message to post an update."
    return None


def check_event_time(incident: Incident, at: datetime, now: datetime, zone: ZoneInfo) -> datetime:
    """An event time may be backdated, but not into the future nor before the incident."""
    at = require_aware(at)
    if at > now:
        raise BadTime(f"{day_and_time(at, zone, relative_to=now)} is in the future.")
    if at < incident.impact_started_at:
        started = day_and_time(incident.impact_started_at, zone, relative_to=at)
        raise BadTime(f"{day_and_time(at, zone, relative_to=now)} is before {incident.name} started ({started}).")
    return at


# --- the changes ---------------------------------------------------------------------------


def open_incident(
    *,
    number: int,
    title: str,
    severity: int,
    actor: str,
    started_at: datetime,
    now: datetime,
    zone: ZoneInfo,
    private: bool = False,
) -> tuple[Incident, TimelineEntry]:
    title = clean_title(title)
    check_severity(severity)
    started_at = require_aware(started_at)
    if started_at > now:
        raise BadTime(f"{day_and_time(started_at, zone, relative_to=now)} is in the future.")
    incident = Incident(
        number=number,
        title=title,
        severity=severity,
        status=Status.INVESTIGATING,
        lead=actor,
        opened_by=actor,
        attack=Attack.NOT_ASSESSED,
        impact="",
        channel_id=None,
        impact_started_at=started_at,
        opened_at=now,
        status_since=started_at,
        resolved_at=None,
        private=private,
    )
    entry = TimelineEntry(
        at=started_at,
        recorded_at=now,
        actor=actor,
        kind=EntryKind.OPENED,
        text=title,
        status_to=Status.INVESTIGATING,
    )
    return incident, entry


def change_status(
    incident: Incident,
    *,
    to: Status,
    actor: str,
    at: datetime,
    now: datetime,
    zone: ZoneInfo,
    message: str = "",
) -> tuple[Incident, TimelineEntry]:
    """Move to `to` (resolved included); the same status with a message is an update."""
    message = checked_text(message, what="message", limit=NOTE_MAX, one_line=False)
    refusal = transition_refusal(incident.name, incident.status, to, has_message=bool(message))
    if refusal:
        raise RuleRefused(refusal)
    at = check_event_time(incident, at, now, zone)
    if to is not incident.status and at < incident.status_since:
        since = day_and_time(incident.status_since, zone, relative_to=now)
        raise BadTime(
            f"{incident.name} has been {incident.status.value} since {since}; "
            f"a status change cannot be dated before that."
        )
    changed = incident
    if to is not incident.status:
        changed = replace(
            incident,
            status=to,
            status_since=at,
            resolved_at=at if to is Status.RESOLVED else None,
        )
    entry = TimelineEntry(
        at=at,
        recorded_at=now,
        actor=actor,
        kind=EntryKind.STATUS,
        text=message,
        status_from=incident.status,
        status_to=to,
    )
    return changed, entry


def reopen(incident: Incident, *, actor: str, now: datetime, reason: str = "") -> tuple[Incident, TimelineEntry]:
    """Back to investigating; the earlier resolution stays on the timeline."""
    reason = checked_text(reason, what="reason", limit=NOTE_MAX, one_line=False)
    if incident.status.is_open:
        raise RuleRefused(f"{incident.name} is not resolved (it is {incident.status.value}).")
    changed = replace(incident, status=Status.INVESTIGATING, status_since=now, resolved_at=None)
    entry = TimelineEntry(
        at=now,
        recorded_at=now,
        actor=actor,
        kind=EntryKind.REOPENED,
        text=reason,
        status_from=Status.RESOLVED,
        status_to=Status.INVESTIGATING,
    )
    return changed, entry


def add_note(
    incident: Incident, *, text: str, actor: str, at: datetime, now: datetime, zone: ZoneInfo
) -> TimelineEntry:
    text = clean_note(text)
    at = check_event_time(incident, at, now, zone)
    return TimelineEntry(at=at, recorded_at=now, actor=actor, kind=EntryKind.NOTE, text=text)


def add_message(
    incident: Incident, *, text: str, author: str, posted_at: datetime, now: datetime, source: str
) -> TimelineEntry:
    """A Slack message copied to the timeline at its original time (clamped to the start)."""
    text = text.strip() or "(a message without text)"
    if len(text) > NOTE_MAX:
        text = text[: NOTE_MAX - 1].rstrip() + "…"
    at = max(require_aware(posted_at), incident.impact_started_at)
    return TimelineEntry(
        at=min(at, now), recorded_at=now, actor=author, kind=EntryKind.MESSAGE, text=text, source=source
    )


def set_public_title(incident: Incident, *, text: str, actor: str, now: datetime) -> tuple[Incident, TimelineEntry]:
    """The name the public reads on the status page and feeds (`text` already in public words)."""
    empty = "The public title is empty: write the name the public should read, e.g. `Home page errors`."
    text = checked_text(text, what="public title", limit=PUBLIC_TITLE_MAX, one_line=True, empty=empty)
    if text == incident.public_title:
        raise RuleRefused(f"{incident.name} already has that public title.")
    entry = TimelineEntry(at=now, recorded_at=now, actor=actor, kind=EntryKind.PUBLIC_TITLE, text=from_words(text))
    return replace(incident, public_title=text), entry


def set_severity(incident: Incident, *, severity: int, actor: str, now: datetime) -> tuple[Incident, TimelineEntry]:
    check_severity(severity)
    if severity == incident.severity:
        raise RuleRefused(f"{incident.name} is already sev{severity}.")
    entry = TimelineEntry(
        at=now,
        recorded_at=now,
        actor=actor,
        kind=EntryKind.SEVERITY,
        text=f"sev{incident.severity} -> sev{severity}",
    )
    return replace(incident, severity=severity), entry


def set_lead(incident: Incident, *, lead: str, actor: str, now: datetime) -> tuple[Incident, TimelineEntry]:
    if lead == incident.lead:
        raise RuleRefused(f"That person is already the lead of {incident.name}.")
    entry = TimelineEntry(at=now, recorded_at=now, actor=actor, kind=EntryKind.LEAD, text=lead)
    return replace(incident, lead=lead), entry


def set_attack(
    incident: Incident, *, attack: Attack, actor: str, now: datetime, first: bool = False
) -> tuple[Incident, TimelineEntry]:
    """The assessment changed; `first`: only while nobody has assessed it (the prompt's buttons)."""
    if attack is Attack.NOT_ASSESSED:
        raise RuleRefused("Not assessed is where every incident starts; an assessment is changed, never taken back.")
    if first and incident.attack is not Attack.NOT_ASSESSED:
        raise RuleRefused(
            f"{incident.name} was already assessed as {incident.attack.value}, so nothing changed; "
            "`/incident attack` changes the assessment."
        )
    if attack is incident.attack:
        raise RuleRefused(f"{incident.name} is already assessed as {attack.value}.")
    entry = TimelineEntry(
        at=now,
        recorded_at=now,
        actor=actor,
        kind=EntryKind.ATTACK,
        text=f"{incident.attack.value} -> {attack.value}",
    )
    return replace(incident, attack=attack), entry
