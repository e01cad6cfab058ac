"""What the public may read about incidents (docs/behaviour.md, Status page): pure rules.

Only what a person published reaches the status page and the feeds: the published drafts of
listed incidents, their public title (else a neutral phrase per language), their severity as a
Statuspage impact, and the duration stored at their close. Drafts written together (one
`/incident draft`) are one update in several languages and lengths: a reader sees it once, in
their language when it was published in it (else in the first configured language it was
published in, marked as such), the long text before the short one.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cached_property

from bot.domain.affects import ComponentImpact
from bot.domain.catalog import Component, ComponentState
from bot.domain.incident import Status

RESOLVED_SHOWN_FOR = timedelta(days=90)  # resolved incidents stay on the page this long
RECENT_LIMIT = 50  # incidents in incidents.json and the history feeds


class PublicImpact(StrEnum):
    """Statuspage's words for how bad it is, used for incidents and for the overall indicator."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


IMPACT_OF_SEVERITY = {1: PublicImpact.CRITICAL, 2: PublicImpact.MAJOR, 3: PublicImpact.MINOR, 4: PublicImpact.MINOR}
_RANK = list(PublicImpact)


@dataclass(frozen=True)
class PublishedUpdate:
    """One published draft. `batch` is when it was drafted: drafts of one batch (and status) are one update."""

    draft_id: int
    batch: datetime
    status: Status
    language: str
    length: str
    text: str
    published_at: datetime
    corrected_at: datetime | None = None  # its text was corrected then (shown as "updated")

    @property
    def changed_at(self) -> datetime:
        return self.corrected_at or self.published_at


@dataclass(frozen=True)
class ListedIncident:
    """An incident on the status page: it has at least one published update."""

    key: int  # the stored id; shown only as a stable opaque id (`public_id`)
    public_title: str  # "" when nobody set one
    severity: int
    listed_at: datetime  # its first published update
    started_at: datetime  # when impact began, as it stood when that update was published
    resolved_at: datetime | None  # its latest published update said resolved
    lasted: timedelta | None  # stored at its latest close
    updates: tuple[PublishedUpdate, ...]
    impacts: tuple[ComponentImpact, ...] = ()  # on every component, public or not: see `shown_impacts`

    @property
    def impact(self) -> PublicImpact:
        """From its severity; `incident_impact` says it from the components it affects."""
        return IMPACT_OF_SEVERITY.get(self.severity, PublicImpact.MINOR)

    @cached_property
    def latest(self) -> PublishedUpdate:
        """Worked out once: a render asks each incident for it several times (its status, its
        place in the list)."""
        return max(self.updates, key=lambda update: (update.published_at, update.draft_id))

    @property
    def status(self) -> Status:
        """What the public was last told: the status of the latest published update."""
        return self.latest.status

    @property
    def updated_at(self) -> datetime:
        return self.latest.published_at

    @property
    def changed_at(self) -> datetime:
        """What the public can read of it last changed: a publication or a correction."""
        return max(update.changed_at for update in self.updates)


@dataclass(frozen=True)
class ShownUpdate:
    """One update as a reader of `language` sees it."""

    batch: datetime
    status: Status
    language: str  # the language of `text`
    text: str
    published_at: datetime
    fallback: bool  # not in the reader's language
    corrected_at: datetime | None = None  # the text shown was corrected then

    @property
    def changed_at(self) -> datetime:
        return self.corrected_at or self.published_at


def updates_for(incident: ListedIncident, language: str, order: Sequence[str]) -> list[ShownUpdate]:
    """The incident's updates for a reader of `language`, newest first, one per batch."""
    batches: dict[tuple[datetime, Status], list[PublishedUpdate]] = {}
    for update in incident.updates:
        batches.setdefault((update.batch, update.status), []).append(update)
    shown = [_choose(drafts, language, order) for drafts in batches.values()]
    return sorted(shown, key=lambda update: (update.published_at, update.batch), reverse=True)


def best(drafts: Iterable[PublishedUpdate], language: str, order: Sequence[str]) -> PublishedUpdate:
    """The one of an update's published drafts a reader of `language` gets: in their language
    when published in it, else in the first configured language it was published in; the long
    text before the short one."""

    def preference(update: PublishedUpdate) -> tuple[int, int, int, datetime]:
        rank = order.index(update.language) if update.language in order else len(order)
        return (update.language != language, rank, update.length != "long", update.published_at)

    return min(drafts, key=preference)


def _choose(drafts: list[PublishedUpdate], language: str, order: Sequence[str]) -> ShownUpdate:
    chosen = best(drafts, language, order)
    return ShownUpdate(
        batch=chosen.batch,
        status=chosen.status,
        language=chosen.language,
        text=chosen.text,
        published_at=min(update.published_at for update in drafts),
        fallback=chosen.language != language,
        corrected_at=chosen.corrected_at,
    )


def indicator(incidents: Iterable[ListedIncident]) -> PublicImpact:
    """The worst impact, by severity, among incidents the public reads as open (a page without
    components; `overall` otherwise)."""
    impacts = [incident.impact for incident in incidents if incident.status.is_open]
    return max(impacts, key=_RANK.index, default=PublicImpact.NONE)


# --- components (docs/behaviour.md, Status page) ---------------------------------------------------

IMPACT_OF_STATE = {
    ComponentState.MAJOR: PublicImpact.CRITICAL,
    ComponentState.PARTIAL: PublicImpact.MAJOR,
    ComponentState.DEGRADED: PublicImpact.MINOR,
    ComponentState.OPERATIONAL: PublicImpact.NONE,
}
"""Statuspage's incident impact from the worst state it put a component in."""


class Headline(StrEnum):
    """Statuspage's top-level statuses, in its own words (`status.description`)."""

    OPERATIONAL = "All Systems Operational"
    MAJOR_SYSTEM = "Major System Outage"
    PARTIAL_SYSTEM = "Partial System Outage"
    MINOR_SERVICE = "Minor Service Outage"
    DEGRADED_SYSTEM = "Degraded System Service"
    PARTIALLY_DEGRADED = "Partially Degraded Service"

    @property
    def indicator(self) -> PublicImpact:
        return _HEADLINE_INDICATOR[self]

    @property
    def key(self) -> str:
        """Its name in the wording files (`page.headline.<key>`)."""
        return self.name.lower()


_HEADLINE_INDICATOR = {
    Headline.OPERATIONAL: PublicImpact.NONE,
    Headline.MAJOR_SYSTEM: PublicImpact.CRITICAL,
    Headline.PARTIAL_SYSTEM: PublicImpact.MAJOR,
    Headline.MINOR_SERVICE: PublicImpact.MINOR,
    Headline.DEGRADED_SYSTEM: PublicImpact.MINOR,
    Headline.PARTIALLY_DEGRADED: PublicImpact.MINOR,
}
# (the state of every component, the state of some) -> the headline, as Statuspage words them
_BY_STATE = {
    ComponentState.MAJOR: (Headline.MAJOR_SYSTEM, Headline.PARTIAL_SYSTEM),
    ComponentState.PARTIAL: (Headline.PARTIAL_SYSTEM, Headline.MINOR_SERVICE),
    ComponentState.DEGRADED: (Headline.DEGRADED_SYSTEM, Headline.PARTIALLY_DEGRADED),
}
_OF_IMPACT = {
    PublicImpact.NONE: Headline.OPERATIONAL,
    PublicImpact.MINOR: Headline.MINOR_SERVICE,
    PublicImpact.MAJOR: Headline.PARTIAL_SYSTEM,
    PublicImpact.CRITICAL: Headline.MAJOR_SYSTEM,
}


def public_ids(components: Iterable[Component]) -> frozenset[str]:
    return frozenset(component.id for component in components)


def shown_impacts(incident: ListedIncident, public: frozenset[str]) -> tuple[ComponentImpact, ...]:
    """The incident's impacts on components the public may see (`public`: the public catalog's ids)."""
    return tuple(impact for impact in incident.impacts if impact.component_id in public)


def incident_impact(incident: ListedIncident, public: frozenset[str]) -> PublicImpact:
    """Statuspage's impact: from the worst state the incident put a public component in (a major
    outage is critical, a partial one major, degraded performance minor); from its severity when
    it affected none."""
    shown = shown_impacts(incident, public)
    if not shown:
        return incident.impact
    return IMPACT_OF_STATE[ComponentState.worst(impact.state for impact in shown)]


def overall(states: Sequence[ComponentState], incidents: Iterable[ListedIncident], public: frozenset[str]) -> Headline:
    """The page's top-level status, as Statuspage derives it from its components' `states` (now):
    the worst state decides, worded by whether every component or only some are in it; an open
    incident that affects no public component counts by its severity. The worse of the two."""
    worst = ComponentState.worst(states)
    by_components = Headline.OPERATIONAL
    if worst is not ComponentState.OPERATIONAL:
        every, some = _BY_STATE[worst]
        by_components = every if all(state is worst for state in states) else some
    unattached = [
        incident.impact for incident in incidents if incident.status.is_open and not shown_impacts(incident, public)
    ]
    by_incidents = _OF_IMPACT[max(unattached, key=_RANK.index, default=PublicImpact.NONE)]
    if _RANK.index(by_incidents.indicator) > _RANK.index(by_components.indicator):
        return by_incidents
    return by_components


def last_changed(incidents: Iterable[ListedIncident]) -> datetime | None:
    """When what the public can read last changed (Last-Modified): a publication or a correction."""
    return max((incident.changed_at for incident in incidents), default=None)


def leaves_page(incidents: Iterable[ListedIncident]) -> datetime | None:
    """Until when the page of these incidents stays as it is by itself: the oldest resolved one
    leaves it RESOLVED_SHOWN_FOR after it was resolved (None: none will)."""
    resolved = [incident.resolved_at for incident in incidents if incident.resolved_at is not None]
    return min(resolved) + RESOLVED_SHOWN_FOR if resolved else None


def public_id(namespace: str, *parts: object) -> uuid.UUID:
    """A stable opaque id: the same incident or update always gets the same one on this site."""
    return uuid.uuid5(uuid.NAMESPACE_URL, "/".join(["incident-bot", namespace, *map(str, parts)]))


def incident_id(namespace: str, incident: ListedIncident) -> uuid.UUID:
    return public_id(namespace, "incident", incident.key)


def update_id(namespace: str, incident: ListedIncident, update: ShownUpdate) -> uuid.UUID:
    return public_id(namespace, "incident", incident.key, "update", update.batch.isoformat(), update.status.value)
