"""A component's 90-day history and uptime, worked by hand (docs/behaviour.md, Status page):
overlapping incidents counted once at the worst state, days that cross midnight and a change of
the clocks, Statuspage's weights (major 100%, partial 30%, degraded 0%)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.affects import ComponentImpact
from bot.domain.availability import current_state, history, minutes, percent, shown_days
from bot.domain.catalog import ComponentState
from bot.domain.language import load_language
from bot.render.public_components import day_label, percentage

KOLKATA, PARIS = ZoneInfo("Asia/Kolkata"), ZoneInfo("Europe/Paris")
MAJOR, PARTIAL = ComponentState.MAJOR, ComponentState.PARTIAL
DEGRADED, OPERATIONAL = ComponentState.DEGRADED, ComponentState.OPERATIONAL
EN, FR = load_language("en"), load_language("fr")


def ist(day: int, hours: int, minutes: int) -> datetime:
    return datetime(2022, 2, day, hours, minutes, tzinfo=KOLKATA)


def impact(state: ComponentState, start: datetime, end: datetime | None) -> ComponentImpact:
    return ComponentImpact("home", state, start, end)


def test_overlapping_incidents_count_once_at_the_worst_state_that_holds() -> None:
    """| incident | state    | from  | to    |         | minutes counted on 17 Feb               |
    |----------|----------|-------|-------|---------|-----------------------------------------|
    | A        | major    | 21:41 | 23:39 |         | major 21:41-23:39 = 118                 |
    | B        | partial  | 21:00 | 22:30 | (under) | partial 21:00-21:41 = 41, the rest under A |
    | C        | degraded | 23:00 | 23:50 | (under) | degraded 23:39-23:50 = 11               |
    | D        | major    | 22:00 | 22:10 | (under) | nothing more: A already major           |
    Period: 21 Nov 2021 00:00 to 18 Feb 2022 00:00 IST = 89 days = 128,160 minutes.
    Uptime = 1 - (118 + 0.3 x 41) / 128,160 = 1 - 130.3 / 128,160 = 99.898...% -> 99.89%."""
    impacts = [
        impact(MAJOR, ist(17, 21, 41), ist(17, 23, 39)),
        impact(PARTIAL, ist(17, 21, 0), ist(17, 22, 30)),
        impact(DEGRADED, ist(17, 23, 0), ist(17, 23, 50)),
        impact(MAJOR, ist(17, 22, 0), ist(17, 22, 10)),
    ]
    shown = history(impacts, now=ist(18, 0, 0), zone=KOLKATA)
    assert len(shown.days) == 90 and shown.days[0].day == date(2021, 11, 21) and shown.days[-1].day == date(2022, 2, 18)
    day = shown.days[-2]
    assert day.day == date(2022, 2, 17) and day.worst is MAJOR
    assert [minutes(day.outage(state)) for state in (MAJOR, PARTIAL, DEGRADED)] == [118, 41, 11]
    assert day_label(day, EN) == (
        "17 Feb 2022: major outage for 1h 58m, partial outage for 41m, degraded performance for 11m"
    )
    assert day_label(day, FR) == (
        "17 févr. 2022\u00a0: panne majeure pendant 1\u00a0h 58\u00a0min, panne partielle pendant 41\u00a0min, "
        "performances dégradées pendant 11\u00a0min"
    )
    assert all(other.worst is OPERATIONAL for other in shown.days if other is not day)
    assert day_label(shown.days[0], EN) == "21 Nov 2021: no outage"
    assert shown.length == timedelta(days=89) and shown.weighted_downtime == timedelta(minutes=130.3)
    assert percentage(shown.availability, EN) == "99.89%" and percentage(shown.availability, FR) == "99,89\u00a0%"


def test_an_incident_across_midnight_and_a_change_of_the_clocks_counts_real_time_on_each_day() -> None:
    """Paris, 27 Mar 2022: the clocks jump from 02:00 CET to 03:00 CEST, so that day has 23 hours.
    | major outage             | from                   | to                     |
    | 26 Mar 23:00 CET (22:00Z) | 27 Mar 04:00 CEST (02:00Z) | 4 hours in all, not 5 |
    26 Mar: 23:00-24:00 = 1h. 27 Mar: 00:00 CET (23:00Z) to 04:00 CEST (02:00Z) = 3h.
    Period: 29 Dec 2021 00:00 CET to 28 Mar 00:00 CEST = 89 days less the skipped hour = 2,135 h.
    Uptime = 1 - 4 / 2,135 = 99.812...% -> 99.81%."""
    start = datetime(2022, 3, 26, 23, 0, tzinfo=PARIS)
    end = datetime(2022, 3, 27, 4, 0, tzinfo=PARIS)
    assert end - start == timedelta(hours=5) and end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=4)
    shown = history([impact(MAJOR, start, end)], now=datetime(2022, 3, 28, 0, 0, tzinfo=PARIS), zone=PARIS)
    by_day = {day.day: day for day in shown.days}
    assert by_day[date(2022, 3, 26)].outage(MAJOR) == timedelta(hours=1)
    assert by_day[date(2022, 3, 27)].outage(MAJOR) == timedelta(hours=3)
    assert by_day[date(2022, 3, 27)].length == timedelta(hours=23)
    assert by_day[date(2022, 3, 26)].length == timedelta(hours=24)
    assert day_label(by_day[date(2022, 3, 27)], EN) == "27 Mar 2022: major outage for 3h 0m"
    assert shown.length == timedelta(hours=2135)
    assert percentage(shown.availability, EN) == "99.81%"


def test_today_ends_now_and_an_impact_that_still_holds_counts_until_now() -> None:
    """Now 17 Feb 22:41 IST; a partial outage since 21:41 still holds: 60 minutes at 30% = 18.
    Period: 20 Nov 2021 00:00 to now = 89 days 22 h 41 min = 129,521 minutes.
    Uptime = 1 - 18 / 129,521 = 99.986...% -> 99.98%."""
    shown = history([impact(PARTIAL, ist(17, 21, 41), None)], now=ist(17, 22, 41), zone=KOLKATA)
    today = shown.days[-1]
    assert today.day == date(2022, 2, 17) and today.length == timedelta(hours=22, minutes=41)
    assert today.outage(PARTIAL) == timedelta(hours=1) and today.worst is PARTIAL
    assert shown.length == timedelta(minutes=129_521)
    assert percentage(shown.availability, EN) == "99.98%"
    assert current_state([impact(PARTIAL, ist(17, 21, 41), None), impact(MAJOR, ist(17, 21, 0), ist(17, 21, 30))]) is (
        PARTIAL
    )


def test_a_reopened_incident_counts_both_of_its_stretches_and_not_the_time_between() -> None:
    """Resolved at 11:00, reopened at 11:30 (the resolution's state back), resolved at 12:00:
    major 10:00-11:00 and 11:30-12:00 = 90 minutes; the half hour between was operational."""
    impacts = [impact(MAJOR, ist(16, 10, 0), ist(16, 11, 0)), impact(MAJOR, ist(16, 11, 30), ist(16, 12, 0))]
    day = history(impacts, now=ist(18, 0, 0), zone=KOLKATA).days[-3]
    assert day.day == date(2022, 2, 16) and day.outage(MAJOR) == timedelta(minutes=90)
    assert day_label(day, EN) == "16 Feb 2022: major outage for 1h 30m"


def test_impacts_before_the_period_count_only_from_its_start_and_a_degraded_day_costs_no_uptime() -> None:
    impacts = [
        impact(MAJOR, ist(17, 0, 0) - timedelta(days=200), ist(17, 0, 0) - timedelta(days=89, hours=-1)),
        impact(DEGRADED, ist(16, 8, 0), ist(16, 20, 0)),
    ]
    shown = history(impacts, now=ist(17, 12, 0), zone=KOLKATA)
    assert shown.days[0].day == date(2021, 11, 20) and shown.days[0].outage(MAJOR) == timedelta(hours=1)
    assert shown.days[-2].worst is DEGRADED
    assert shown.weighted_downtime == timedelta(hours=1)


@pytest.mark.parametrize(
    ("availability", "shown"),
    [(1.0, "100%"), (0.999999, "99.99%"), (0.99995, "99.99%"), (0.9, "90.00%"), (0.0, "0.00%")],
)
def test_uptime_is_never_rounded_up_and_100_means_no_outage(availability: float, shown: str) -> None:
    assert percentage(availability, EN) == shown
    assert percent(availability) <= availability * 100 or availability == 1.0


def test_the_days_shown_end_today_in_the_zone() -> None:
    late = datetime(2022, 2, 17, 20, 0, tzinfo=UTC)  # 18 Feb 01:30 in Kolkata
    assert shown_days(late, KOLKATA)[-1] == date(2022, 2, 18)
    assert shown_days(late, ZoneInfo("UTC"))[-1] == date(2022, 2, 17)
