"""How times are shown to people: in the configured zone, with the zone's abbreviation."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def require_aware(value: datetime, what: str = "time") -> datetime:
    """Return `value` in UTC; a naive datetime is a programming error, never guessed."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {value!r}")
    return value.astimezone(UTC)


def clock_time(value: datetime, zone: ZoneInfo) -> str:
    """`22:06 IST`: the wall-clock time in `zone` with its abbreviation."""
    local = value.astimezone(zone)
    return f"{local:%H:%M} {local.tzname()}"


def day_and_time(value: datetime, zone: ZoneInfo, *, relative_to: datetime | None = None) -> str:
    """`22:06 IST` when on the same local day as `relative_to`, else `2022-02-17 22:06 IST`."""
    local = value.astimezone(zone)
    if relative_to is not None and relative_to.astimezone(zone).date() == local.date():
        return clock_time(value, zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def incident_time(value: datetime, zone: ZoneInfo, *, began: datetime, opened: datetime) -> str:
    """A time of an incident (its status since, a timeline line, a component's or page's time):
    `22:06 IST` when on the day its impact began and that is the day it was opened, else with its
    date. An impact that began on an earlier day than it was reported (an alert firing since 2001,
    a message from before midnight) dates every time, the start itself included: `Investigating
    since 2001-09-09 05:30 IST`, never `since 05:30 IST` as if it were today."""
    same_day = began.astimezone(zone).date() == opened.astimezone(zone).date()
    return day_and_time(value, zone, relative_to=began if same_day else None)
