"""The retrospective's record: what its document and its export say, read from storage in one go
(`bot.aftermath`), and the state of the retrospective itself.

Rendered as Markdown by `bot.render.retro` and as JSON-ready data by `bot.render.export`; the
rules for follow-ups, related incidents and the retrospective's reminders are in
`bot.domain.aftermath`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.durations import Durations
from bot.domain.incident import Incident, Status, TimelineEntry
from bot.domain.paging import Page


class RetroState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    WAIVED = "waived"


@dataclass(frozen=True)
class UpdateOnRecord:
    at: datetime
    by: str  # Slack user id
    language: str
    length: str
    status: Status
    text: str  # as published: plain words


@dataclass(frozen=True)
class RelatedIncident:
    number: int
    title: str
    impact_started_at: datetime
    total: timedelta | None  # None while open


@dataclass(frozen=True)
class FollowUp:
    id: int
    text: str
    owner: str | None
    due: date | None
    done_at: datetime | None


@dataclass(frozen=True)
class AlertOnRecord:
    """An alert of a group attached to the incident, and when it first fired, resolved and was
    acknowledged (in the tool that sent it)."""

    name: str
    labels: Mapping[str, str]  # what sets it apart from its group's other alerts
    source: str  # the sender's name (INCIDENT_ALERT_TOKENS)
    first_fired_at: datetime | None
    resolved_at: datetime | None  # None while it fires
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class Record:
    """Everything the document says, read from storage in one go."""

    incident: Incident
    entries: Sequence[TimelineEntry]
    durations: Durations
    names: Mapping[str, str]
    zone: ZoneInfo
    updates: Sequence[UpdateOnRecord] = ()
    related: Sequence[RelatedIncident] = ()
    follow_ups: Sequence[FollowUp] = ()
    alerts: Sequence[AlertOnRecord] = ()  # of the groups attached to it, first fired first
    pages: Sequence[Page] = ()  # everyone paged for it, in the order paged (bot.domain.paging)
    promises: str = ""  # the promise record's summary line, when reminders kept one
    retro_state: RetroState = RetroState.PENDING
    retro_note: str = ""

    @property
    def is_draft(self) -> bool:
        return self.incident.status.is_open
