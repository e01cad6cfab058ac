"""After the fire: the rules for recurrence, related incidents, follow-ups and the retrospective.

Pure: the caller loads what is needed and stores the outcome (`bot.aftermath`).
- Recurrence: when an incident opens, earlier incidents of the workspace whose impact began in
  the 30 days before this one's (backdated ones included) and that look alike
  (`bot.domain.similarity`) are named in the channel: "2nd similar incident in 7 days: INC-3
  “Something went wrong on home page” (Feb 11, 1h 2m)".
- Follow-ups have a text, an optional owner and an optional due date (today or later, in the
  configured zone).
- The retrospective is reminded to the lead once, 3 working days (Monday to Friday in the
  configured zone) after the resolution, while it is neither done nor waived.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.durations import short
from bot.domain.incident import EntryKind, Incident, TimelineEntry, checked_text
from bot.domain.retro import RetroState
from bot.domain.similarity import likeness, signature
from bot.errors import RuleRefused, UsageError

RECURRENCE_WINDOW = timedelta(days=30)
RECURRENCE_SOURCE = "recurrence"  # the `source` of the recurrence line: the bot's finding, no one's act
RETRO_REMINDER_WORKING_DAYS = 3
RETRO_REMINDER_WINDOW = timedelta(days=14)  # a close older than this (a long downtime) is not reminded
FOLLOW_UP_REMINDER_EVERY = timedelta(days=7)
FOLLOW_UP_MAX = 300
WAIVE_REASON_MAX = 300
_DUE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Earlier:
    """An earlier incident, as the recurrence check sees it."""

    id: int
    incident: Incident
    total: timedelta | None  # stored at its latest close; None while open


# --- recurrence ----------------------------------------------------------------------------


NAMED_AT_MOST = 3  # look-alikes the recurrence line names; the earlier ones it counts


def similar_earlier(incident: Incident, candidates: Sequence[Earlier]) -> list[Earlier]:
    """The candidates that began in the 30 days before `incident` and look alike, oldest first."""
    mine = signature(f"{incident.title} {incident.impact}")
    since = incident.impact_started_at - RECURRENCE_WINDOW
    found = [
        earlier
        for earlier in candidates
        if since <= earlier.incident.impact_started_at <= incident.impact_started_at
        and likeness(mine, signature(f"{earlier.incident.title} {earlier.incident.impact}")).similar
    ]
    return sorted(found, key=lambda earlier: (earlier.incident.impact_started_at, earlier.incident.number))


def recurrence_text(incident: Incident, similar: Sequence[Earlier], zone: ZoneInfo) -> str:
    """`2nd similar incident in 7 days: INC-3 “<title>” (Feb 11, 1h 2m)`: stored text, the titles'
    Slack markup kept as typed (every renderer escapes it). Past `NAMED_AT_MOST` look-alikes (an
    alert that keeps firing), the line names the latest of them and counts the earlier ones, which
    are linked all the same: one line a person reads at a glance, not a title per recurrence."""
    first = similar[0].incident.impact_started_at
    days = max(1, math.ceil((incident.impact_started_at - first).total_seconds() / 86400))
    named = "; ".join(_earlier(earlier, zone) for earlier in similar[-NAMED_AT_MOST:])
    if len(similar) > NAMED_AT_MOST:
        earlier = len(similar) - NAMED_AT_MOST
        named = f"{earlier} earlier {'one' if earlier == 1 else 'ones'}, then {named}"
    return f"{ordinal(len(similar) + 1)} similar incident in {days} day{'s' if days != 1 else ''}: {named}"


def _earlier(earlier: Earlier, zone: ZoneInfo) -> str:
    started = earlier.incident.impact_started_at.astimezone(zone)
    lasted = short(earlier.total) if earlier.total is not None else "still open"
    return f"{earlier.incident.name} “{earlier.incident.title}” ({started:%b} {started.day}, {lasted})"


def ordinal(number: int) -> str:
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th') }"


# --- related incidents ---------------------------------------------------------------------


def check_relation(incident: Incident, other: Incident) -> None:
    if incident.number == other.number:
        raise RuleRefused(f"{incident.name} cannot be related to itself: name another incident.")


def relation_entry(*, other: Incident, linked: bool, actor: str, now: datetime) -> TimelineEntry:
    verb = "linked related incident" if linked else "unlinked incident"
    text = f"{verb} {other.name} “{other.title}”"
    return TimelineEntry(at=now, recorded_at=now, actor=actor, kind=EntryKind.RELATED, text=text)


def recurrence_entry(text: str, *, actor: str, now: datetime) -> TimelineEntry:
    """The recurrence line; `actor` is who opened the incident, but the line is the bot's own
    finding (`is_finding`), so renderers show it without a name."""
    return TimelineEntry(
        at=now, recorded_at=now, actor=actor, kind=EntryKind.RELATED, text=text, source=RECURRENCE_SOURCE
    )


def is_finding(entry: TimelineEntry) -> bool:
    return entry.kind is EntryKind.RELATED and entry.source == RECURRENCE_SOURCE


# --- follow-ups ----------------------------------------------------------------------------


def clean_follow_up(text: str) -> str:
    return checked_text(
        text,
        what="follow-up",
        limit=FOLLOW_UP_MAX,
        one_line=True,
        empty="The follow-up is empty: say what should be done, e.g. `/incident followup Alert on 5xx`.",
    )


def parse_due(written: str, *, now: datetime, zone: ZoneInfo) -> date:
    """`YYYY-MM-DD`, today or later in the configured zone."""
    today = now.astimezone(zone).date()
    if not _DUE.match(written):
        example = (today + FOLLOW_UP_REMINDER_EVERY).isoformat()  # a week from today, not a date gone by
        raise UsageError(f"`{written}` is not a date: write the due date as YYYY-MM-DD, e.g. `due {example}`.")
    try:
        due = date.fromisoformat(written)
    except ValueError:
        raise UsageError(f"{written} is not a date on the calendar.") from None
    if due < today:
        raise UsageError(f"The due date {due.isoformat()} is in the past (today is {today.isoformat()}).")
    return due


def follow_up_entry(
    *, follow_up_id: int, text: str, owner: str | None, due: date | None, actor: str, now: datetime
) -> TimelineEntry:
    details = [f"<@{owner}>" if owner else "no owner"]
    if due is not None:
        details.append(f"due {due.isoformat()}")
    line = f"added follow-up #{follow_up_id}: {text} ({', '.join(details)})"
    return TimelineEntry(at=now, recorded_at=now, actor=actor, kind=EntryKind.FOLLOW_UP, text=line)


def follow_up_done_entry(*, follow_up_id: int, text: str, actor: str, now: datetime) -> TimelineEntry:
    line = f"finished follow-up #{follow_up_id}: {text}"
    return TimelineEntry(at=now, recorded_at=now, actor=actor, kind=EntryKind.FOLLOW_UP, text=line)


# --- the retrospective ---------------------------------------------------------------------


def retro_decision(state: RetroState, *, reason: str) -> str:
    """The stored note of a decision: a waiver needs its reason, "done" takes none."""
    if state is RetroState.WAIVED:
        return checked_text(
            reason,
            what="reason",
            limit=WAIVE_REASON_MAX,
            one_line=True,
            empty="Say why the retrospective is waived: `/incident retro waived <reason>`.",
        )
    if state is RetroState.DONE and reason.strip():
        raise UsageError("`retro done` takes no text: `/incident retro done`.")
    return ""


def retro_entry(state: RetroState, note: str, *, actor: str, now: datetime) -> TimelineEntry:
    text = "marked the retrospective done" if state is RetroState.DONE else f"waived the retrospective: {note}"
    return TimelineEntry(at=now, recorded_at=now, actor=actor, kind=EntryKind.RETRO, text=text)


def working_days_before(moment: datetime, days: int, zone: ZoneInfo) -> datetime:
    """The moment `days` working days (Monday to Friday in `zone`) before `moment`."""
    local = moment.astimezone(zone)
    counted = 0
    while counted < days:
        local -= timedelta(days=1)
        if local.weekday() < 5:
            counted += 1
    return local.astimezone(moment.tzinfo)


def groups(pairs: Sequence[tuple[int, int]]) -> list[tuple[int, ...]]:
    """Related pairs joined into groups (INC-1~INC-2, INC-2~INC-5 -> INC-1, INC-2, INC-5),
    biggest first, then by their first number."""
    parent: dict[int, int] = {}

    def root(number: int) -> int:
        parent.setdefault(number, number)
        while parent[number] != number:
            parent[number] = parent[parent[number]]
            number = parent[number]
        return number

    for first, second in pairs:
        parent[root(first)] = root(second)
    joined: dict[int, list[int]] = {}
    for number in parent:
        joined.setdefault(root(number), []).append(number)
    found = [tuple(sorted(members)) for members in joined.values() if len(members) > 1]
    return sorted(found, key=lambda group: (-len(group), group[0]))
