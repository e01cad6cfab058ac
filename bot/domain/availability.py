"""A component's history on the status page (docs/behaviour.md, Status page): pure rules.

The history covers `DAYS_SHOWN` days in INCIDENT_TIMEZONE, today included, from the start of the
first day until now. At each moment a component is in the worst state any public impact puts it in
(overlapping incidents never count twice). For each day it has the time spent in each state other
than operational, and its colour is the worst of them; a day is as long as it really is (23 or 25
hours when the clocks change), and today ends now.

Availability over the period is Statuspage's uptime formula: a major outage counts fully, a
partial outage at `PARTIAL_WEIGHT` (30%), degraded performance not at all:

    availability = 1 - (major + 0.3 x partial) / (now - start of the first day)
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from math import floor
from zoneinfo import ZoneInfo

from bot.domain.affects import ComponentImpact
from bot.domain.catalog import ComponentState
from bot.domain.timefmt import require_aware

DAYS_SHOWN = 90
PARTIAL_WEIGHT = 0.3
WEIGHTS = {ComponentState.MAJOR: 1.0, ComponentState.PARTIAL: PARTIAL_WEIGHT}
_OPERATIONAL = ComponentState.OPERATIONAL
_NONE = timedelta(0)
_WORST_FIRST = (ComponentState.MAJOR, ComponentState.PARTIAL, ComponentState.DEGRADED)


@dataclass(frozen=True)
class Day:
    """One day of one component: the time it spent in each state other than operational."""

    day: date
    length: timedelta  # the day's real length; today's up to now
    spent: Mapping[ComponentState, timedelta] = field(default_factory=dict)

    @property
    def worst(self) -> ComponentState:
        return next((state for state in _WORST_FIRST if self.spent.get(state)), ComponentState.OPERATIONAL)

    def outage(self, state: ComponentState) -> timedelta:
        return self.spent.get(state, timedelta(0))


@dataclass(frozen=True)
class History:
    days: tuple[Day, ...]  # the oldest first, today last

    @property
    def weighted_downtime(self) -> timedelta:
        """Each state's time over the period, weighed once (days without outage skipped: 50
        components make 4,500 days)."""
        spent = [day.spent for day in self.days if day.spent]
        return sum(
            (sum((each.get(state, _NONE) for each in spent), _NONE) * weight for state, weight in WEIGHTS.items()),
            _NONE,
        )

    @property
    def length(self) -> timedelta:
        return sum((day.length for day in self.days), timedelta(0))

    @property
    def availability(self) -> float:
        """The share of the period the component was up, by Statuspage's weights (1.0: no outage)."""
        total = self.length.total_seconds()
        return 1.0 if total <= 0 else 1.0 - self.weighted_downtime.total_seconds() / total


def shown_days(now: datetime, zone: ZoneInfo, count: int = DAYS_SHOWN) -> list[date]:
    """The `count` days in `zone` ending today, the oldest first."""
    today = require_aware(now).astimezone(zone).date()
    return [today - timedelta(days=back) for back in range(count - 1, -1, -1)]


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """Midnight at the start of `day` in `zone`, in UTC (where midnight is skipped, the moment the
    clocks jumped)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def period_start(now: datetime, zone: ZoneInfo, count: int = DAYS_SHOWN) -> datetime:
    return day_start(shown_days(now, zone, count)[0], zone)


@dataclass(frozen=True)
class Period:
    """The days shown and where each begins and ends (UTC; today ends now): worked out once for
    every component of a page."""

    days: tuple[date, ...]
    starts: tuple[datetime, ...]
    ends: tuple[datetime, ...]

    @classmethod
    def ending(cls, now: datetime, zone: ZoneInfo, count: int = DAYS_SHOWN) -> Period:
        now = require_aware(now)
        days = shown_days(now, zone, count)
        starts = [day_start(day, zone) for day in days]
        ends = [*starts[1:], min(day_start(days[-1] + timedelta(days=1), zone), now)]
        return cls(tuple(days), tuple(starts), tuple(ends))


def history(
    impacts: Iterable[ComponentImpact],
    *,
    now: datetime,
    zone: ZoneInfo,
    count: int = DAYS_SHOWN,
    period: Period | None = None,
) -> History:
    """One component's history over the `count` days ending now (`period`, when already worked
    out), from its impacts (all of them on this component: the caller chooses which count)."""
    shown = period or Period.ending(now, zone, count)
    starts, ends = shown.starts, shown.ends
    spent: list[dict[ComponentState, timedelta]] = [{} for _ in shown.days]
    for begin, end, state in _worst_segments(impacts, starts[0], ends[-1]):
        index = max(bisect.bisect_right(starts, begin) - 1, 0)
        while index < len(starts) and starts[index] < end:
            overlap = min(end, ends[index]) - max(begin, starts[index])
            if overlap > timedelta(0):
                spent[index][state] = spent[index].get(state, timedelta(0)) + overlap
            index += 1
    return History(
        tuple(Day(day, length=max(end - start, timedelta(0)), spent=kept) for day, start, end, kept in zip(
            shown.days, starts, ends, spent, strict=True
        ))
    )  # fmt: skip


def _worst_segments(
    impacts: Iterable[ComponentImpact], start: datetime, end: datetime
) -> list[tuple[datetime, datetime, ComponentState]]:
    """The stretches of [start, end) in a state other than operational, each in the worst state
    that holds then (a sweep over the impacts' beginnings and ends)."""
    events: list[tuple[datetime, int, ComponentState]] = []
    for impact in impacts:
        begin = max(impact.started_at, start)
        finish = min(impact.ended_at or end, end)
        if impact.state is _OPERATIONAL or finish <= begin:
            continue
        events += [(begin, 1, impact.state), (finish, -1, impact.state)]
    events.sort(key=lambda event: event[0])
    holding = dict.fromkeys(ComponentState, 0)
    segments: list[tuple[datetime, datetime, ComponentState]] = []
    for position, (moment, change, state) in enumerate(events):
        holding[state] += change
        following = events[position + 1][0] if position + 1 < len(events) else None
        if following is None or following == moment:
            continue
        worst = ComponentState.worst(each for each, count in holding.items() if count > 0)
        if worst is not _OPERATIONAL:
            segments.append((moment, following, worst))
    return segments


def current_state(impacts: Iterable[ComponentImpact]) -> ComponentState:
    """The worst state among the impacts that still hold (operational when none does)."""
    return ComponentState.worst(impact.state for impact in impacts if impact.ended_at is None)


def percent(availability: float) -> float:
    """The availability as a percentage with two decimals, rounded down so that it never shows
    more than it was (any outage is below 100)."""
    if availability >= 1.0:
        return 100.0
    return min(floor(availability * 10_000) / 100, 99.99)


def minutes(length: timedelta) -> int:
    """A length in whole minutes as the page says it: rounded, and at least 1 when there was any."""
    seconds = length.total_seconds()
    return 0 if seconds <= 0 else max(1, round(seconds / 60))
