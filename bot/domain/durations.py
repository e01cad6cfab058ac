"""How long an incident lasted, from its timeline, and the two ways of saying it.

`compute` walks the status changes on the timeline. The incident is investigating from
`impact_started_at`; every entry with a `status_to` (kinds opened, status, reopened) starts
a new interval at its `at`. The end is the last resolution for a resolved incident, and
`until` ("now", passed in: the domain never reads a clock) for an open one. All arithmetic
is on aware UTC datetimes, so midnight, several days and DST changes need no special case.

`short` is the form responders read: `42s`, `45m`, `1h 58m`, `2h`, `2d 3h`, `2d`.

`round_public` is the language-neutral first half of the public form ("for almost two
hours"); `bot.domain.language.render_duration` words it from each language's TOML data.
The rounding, with `n` whole units and `f` the fraction of a unit past them:

    under 1 minute              less than a minute
    1 to 9 minutes              that many minutes, to the nearest minute (from 9m30s: next band)
    10 to 44 minutes            about N minutes, N to the nearest 5 (10, 15, ... 45)
    45 to 59 minutes            almost an hour
    from 1 hour (unit hour) and from 1 day (unit day), by f:
        f < 1/6                 about n          (hours: r < 10 min;  days: r < 4 h)
        1/6 <= f < 1/3          just over n      (hours: 10-19 min;   days: 4-7 h)
        1/3 <= f < 3/4          about n and a half (hours: 20-44 min; days: 8-17 h)
        f >= 3/4                almost n + 1     (hours: 45-59 min;   days: 18-23 h);
                                23h45m and more is "almost a day"

One rule for hours and days keeps the bands proportional (the day bands of the first
suggestion made 1d 9h "just over a day", 37% over). What it guarantees (tested): the
amount said never decreases as the duration grows; "about" and "almost" are within 25% of
the real length; "just over n" is above n and below n + 1/3; "less than" is true.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.incident import Incident, Status, TimelineEntry
from bot.domain.timefmt import require_aware

_IDENTIFIED_OR_LATER = frozenset({Status.IDENTIFIED, Status.MONITORING, Status.RESOLVED})
_MITIGATED = frozenset({Status.MONITORING, Status.RESOLVED})
_OPEN_STATUSES = tuple(status for status in Status if status.is_open)


@dataclass(frozen=True)
class Durations:
    """What the close report says (docs/behaviour.md, Durations); every length a `timedelta`.

    `in_status` has investigating, identified and monitoring (zero when skipped) and,
    only for a reopened incident, the time spent resolved before each reopen.
    `resolved_intervals` holds one `(resolved_at, reopened_at)` pair per reopen.
    """

    started_at: datetime
    ended_at: datetime
    total: timedelta
    to_identify: timedelta | None
    to_mitigate: timedelta | None
    in_status: dict[Status, timedelta]
    detection_lag: timedelta | None
    resolved_intervals: tuple[tuple[datetime, datetime], ...]

    @property
    def reopen_count(self) -> int:
        return len(self.resolved_intervals)


def compute(incident: Incident, entries: Sequence[TimelineEntry], *, until: datetime | None = None) -> Durations:
    """Durations of `incident` from its timeline.

    `until` is required for an open incident (durations so far) and ignored for a resolved
    one, whose end is its last resolution. Entries after the end are not counted.
    """
    start = incident.impact_started_at
    end = _end_of(incident, until)
    changes = _status_changes(start, end, entries)

    in_status = {status: timedelta(0) for status in _OPEN_STATUSES}
    resolved_intervals: list[tuple[datetime, datetime]] = []
    to_identify: timedelta | None = None
    to_mitigate: timedelta | None = None
    for index, (at, status) in enumerate(changes):
        following = changes[index + 1][0] if index + 1 < len(changes) else end
        if status is Status.RESOLVED:
            if index + 1 < len(changes):  # reopened later; the final resolution is the end
                resolved_intervals.append((at, following))
                in_status[Status.RESOLVED] = in_status.get(Status.RESOLVED, timedelta(0)) + following - at
        else:
            in_status[status] += following - at
        if to_identify is None and status in _IDENTIFIED_OR_LATER:
            to_identify = at - start
        if to_mitigate is None and status in _MITIGATED:
            to_mitigate = at - start

    lag = incident.opened_at - start
    return Durations(
        started_at=start,
        ended_at=end,
        total=sum((in_status[status] for status in _OPEN_STATUSES), timedelta(0)),
        to_identify=to_identify,
        to_mitigate=to_mitigate,
        in_status=in_status,
        detection_lag=lag if lag > timedelta(0) else None,
        resolved_intervals=tuple(resolved_intervals),
    )


def _end_of(incident: Incident, until: datetime | None) -> datetime:
    if incident.status is Status.RESOLVED:
        if incident.resolved_at is None:
            raise ValueError(f"{incident.name} is resolved but has no resolved_at")
        return incident.resolved_at
    if until is None:
        raise ValueError(f"{incident.name} is open: pass `until` (now) to measure it so far")
    until = require_aware(until, "until")
    if until < incident.impact_started_at:
        raise ValueError(f"until ({until.isoformat()}) is before {incident.name} started")
    return until


def _status_changes(start: datetime, end: datetime, entries: Sequence[TimelineEntry]) -> list[tuple[datetime, Status]]:
    """`(at, status)` from the start, in time order, one per actual change of status."""
    ordered = sorted(
        (entry for entry in entries if entry.status_to is not None),
        key=lambda entry: (entry.at, entry.recorded_at),
    )
    changes: list[tuple[datetime, Status]] = [(start, Status.INVESTIGATING)]
    for entry in ordered:
        if entry.status_to is None or entry.at > end:
            continue
        if entry.status_to is not changes[-1][1]:
            changes.append((max(entry.at, start), entry.status_to))
    return changes


# --- the short form ------------------------------------------------------------------------


_WRITTEN = re.compile(r"^(\d+)([smh])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}


def parse_length(text: str) -> timedelta:
    """A length as settings and files write it: `90s`, `5m`, `1h` (a whole number and a unit);
    raises ValueError naming what was written otherwise (zero included)."""
    found = _WRITTEN.match(text.strip().lower())
    if not found or int(found.group(1)) == 0:
        raise ValueError(f"{text!r} is not a duration such as 30m, 2h or 90s")
    return timedelta(seconds=int(found.group(1)) * _UNIT_SECONDS[found.group(2)])


def short(length: timedelta) -> str:
    """`42s`, `45m`, `1h 58m`, `2h`, `2d 3h`, `2d`: floored to the smallest unit shown."""
    seconds = _whole_seconds(length)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return _two_units(seconds // 3600, "h", seconds % 3600 // 60, "m")
    return _two_units(seconds // 86400, "d", seconds % 86400 // 3600, "h")


def to_the_second(length: timedelta) -> str:
    """`short`, but under an hour never floored: `90s` is `1m 30s`, not `1m`. For a wait a person set
    (INCIDENT_PAGE_ESCALATE_AFTER), read back as they set it."""
    seconds = _whole_seconds(length)
    if 60 <= seconds < 3600:
        return _two_units(seconds // 60, "m", seconds % 60, "s")
    return short(length)


def _two_units(big: int, big_unit: str, small: int, small_unit: str) -> str:
    return f"{big}{big_unit} {small}{small_unit}" if small else f"{big}{big_unit}"


def _whole_seconds(length: timedelta) -> int:
    if length < timedelta(0):
        raise ValueError(f"a duration cannot be negative: {length}")
    return length // timedelta(seconds=1)


# --- the language-neutral half of the public form ------------------------------------------


class Qualifier(StrEnum):
    LESS_THAN = "less_than"
    EXACTLY = "exactly"
    ABOUT = "about"
    JUST_OVER = "just_over"
    ALMOST = "almost"


class Unit(StrEnum):
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"

    @property
    def length(self) -> timedelta:
        return _UNIT_LENGTHS[self]


_UNIT_LENGTHS = {Unit.MINUTE: timedelta(minutes=1), Unit.HOUR: timedelta(hours=1), Unit.DAY: timedelta(days=1)}


@dataclass(frozen=True)
class RoundedDuration:
    """`almost` `2` `hour`s; `half` adds half a unit ("two and a half hours")."""

    qualifier: Qualifier
    unit: Unit
    count: int
    half: bool = False

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError(f"a rounded duration counts at least one unit, not {self.count}")
        if self.half and self.unit is Unit.MINUTE:
            raise ValueError("minutes are never said with a half")

    @property
    def amount(self) -> timedelta:
        """The length said aloud: `count` units, plus half a unit when `half`."""
        return self.unit.length * (self.count + (0.5 if self.half else 0))


def round_public(length: timedelta) -> RoundedDuration:
    """Round `length` for the public: see the table in the module docstring."""
    seconds = _whole_seconds(length)
    if seconds < 60:
        return RoundedDuration(Qualifier.LESS_THAN, Unit.MINUTE, 1)
    if seconds < 570:
        return RoundedDuration(Qualifier.EXACTLY, Unit.MINUTE, (seconds + 30) // 60)
    if seconds < 2700:
        return RoundedDuration(Qualifier.ABOUT, Unit.MINUTE, (seconds + 150) // 300 * 5)
    if seconds < 3600:
        return RoundedDuration(Qualifier.ALMOST, Unit.HOUR, 1)
    if seconds < 86400:
        rounded = _graded(seconds, Unit.HOUR)
        if rounded.unit is Unit.HOUR and rounded.count == 24:
            return RoundedDuration(Qualifier.ALMOST, Unit.DAY, 1)
        return rounded
    return _graded(seconds, Unit.DAY)


def _graded(seconds: int, unit: Unit) -> RoundedDuration:
    """n whole units and the fraction past them, in four bands: sixths, thirds, 3/4."""
    unit_seconds = unit.length // timedelta(seconds=1)
    count, past = divmod(seconds, unit_seconds)
    if past * 6 < unit_seconds:
        return RoundedDuration(Qualifier.ABOUT, unit, count)
    if past * 3 < unit_seconds:
        return RoundedDuration(Qualifier.JUST_OVER, unit, count)
    if past * 4 < unit_seconds * 3:
        return RoundedDuration(Qualifier.ABOUT, unit, count, half=True)
    return RoundedDuration(Qualifier.ALMOST, unit, count + 1)
