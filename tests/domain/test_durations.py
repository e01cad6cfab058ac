"""Durations from the timeline (docs/behaviour.md, Durations) and their short form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.durations import Qualifier, RoundedDuration, Unit, compute, round_public, short, to_the_second
from bot.domain.incident import (
    EntryKind,
    Incident,
    Status,
    TimelineEntry,
    change_status,
    open_incident,
    reopen,
)

UTC_ZONE = ZoneInfo("UTC")
PARIS = ZoneInfo("Europe/Paris")
START = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)  # 21:41 IST


def opened(at: datetime = START, *, told: datetime | None = None) -> tuple[Incident, list[TimelineEntry]]:
    incident, entry = open_incident(
        number=7, title="Something went wrong", severity=1, actor="U1", started_at=at, now=told or at, zone=UTC_ZONE
    )
    return incident, [entry]


def move(story: tuple[Incident, list[TimelineEntry]], to: Status, at: datetime) -> tuple[Incident, list[TimelineEntry]]:
    incident, entries = story
    changed, entry = change_status(incident, to=to, actor="U1", at=at, now=at, zone=UTC_ZONE)
    return changed, [*entries, entry]


def reopened(story: tuple[Incident, list[TimelineEntry]], at: datetime) -> tuple[Incident, list[TimelineEntry]]:
    incident, entries = story
    changed, entry = reopen(incident, actor="U1", now=at, reason="the fix did not hold")
    return changed, [*entries, entry]


def minutes(count: float) -> timedelta:
    return timedelta(minutes=count)


def test_a_straight_incident_reports_total_identify_mitigate_and_each_status() -> None:
    story = opened()
    story = move(story, Status.IDENTIFIED, START + minutes(20))
    story = move(story, Status.MONITORING, START + minutes(50))
    incident, entries = move(story, Status.RESOLVED, START + minutes(118))

    durations = compute(incident, entries)

    assert durations.total == minutes(118)
    assert durations.to_identify == minutes(20)
    assert durations.to_mitigate == minutes(50)
    assert durations.in_status == {
        Status.INVESTIGATING: minutes(20),
        Status.IDENTIFIED: minutes(30),
        Status.MONITORING: minutes(68),
    }
    assert durations.resolved_intervals == ()
    assert durations.ended_at == START + minutes(118)


def test_skipping_straight_to_monitoring_counts_as_identified_and_mitigated() -> None:
    story = move(opened(), Status.MONITORING, START + minutes(35))
    incident, entries = move(story, Status.RESOLVED, START + minutes(60))

    durations = compute(incident, entries)

    assert durations.to_identify == minutes(35)
    assert durations.to_mitigate == minutes(35)
    assert durations.in_status[Status.IDENTIFIED] == timedelta(0)


def test_resolving_directly_counts_the_resolution_as_identify_and_mitigate() -> None:
    incident, entries = move(opened(), Status.RESOLVED, START + minutes(12))

    durations = compute(incident, entries)

    assert durations.total == durations.to_identify == durations.to_mitigate == minutes(12)


def test_an_open_incident_is_measured_until_the_time_given() -> None:
    incident, entries = move(opened(), Status.IDENTIFIED, START + minutes(10))

    durations = compute(incident, entries, until=START + minutes(45))

    assert durations.total == minutes(45)
    assert durations.to_identify == minutes(10)
    assert durations.to_mitigate is None
    assert durations.in_status[Status.IDENTIFIED] == minutes(35)


def test_an_open_incident_never_identified_has_no_time_to_identify() -> None:
    incident, entries = opened()

    durations = compute(incident, entries, until=START + minutes(5))

    assert durations.to_identify is None
    assert durations.to_mitigate is None
    assert durations.total == minutes(5)


def test_an_open_incident_without_until_is_refused_because_the_domain_never_reads_the_clock() -> None:
    incident, entries = opened()

    with pytest.raises(ValueError, match="until"):
        compute(incident, entries)


def test_until_before_the_start_is_refused() -> None:
    incident, entries = opened()

    with pytest.raises(ValueError, match="before"):
        compute(incident, entries, until=START - minutes(1))


def test_a_resolved_incident_ends_at_its_resolution_whatever_until_says() -> None:
    incident, entries = move(opened(), Status.RESOLVED, START + minutes(30))

    durations = compute(incident, entries, until=START + timedelta(days=3))

    assert durations.total == minutes(30)


def test_a_reopened_incident_does_not_count_the_time_it_spent_resolved() -> None:
    story = move(opened(), Status.RESOLVED, START + minutes(60))
    story = reopened(story, START + minutes(100))
    story = move(story, Status.MONITORING, START + minutes(110))
    incident, entries = move(story, Status.RESOLVED, START + minutes(130))

    durations = compute(incident, entries)

    assert durations.total == minutes(60 + 30)
    assert durations.in_status[Status.RESOLVED] == minutes(40)
    assert durations.resolved_intervals == ((START + minutes(60), START + minutes(100)),)
    assert durations.reopen_count == 1
    assert durations.to_mitigate == minutes(60)


def test_every_resolved_interval_of_an_incident_reopened_twice_is_left_out() -> None:
    story = move(opened(), Status.RESOLVED, START + minutes(10))
    story = reopened(story, START + minutes(30))
    story = move(story, Status.RESOLVED, START + minutes(45))
    story = reopened(story, START + timedelta(days=1))
    incident, entries = move(story, Status.RESOLVED, START + timedelta(days=1, minutes=5))

    durations = compute(incident, entries)

    assert durations.total == minutes(10 + 15 + 5)
    assert durations.in_status[Status.RESOLVED] == minutes(20) + (timedelta(days=1) - minutes(45))
    assert durations.reopen_count == 2
    assert durations.total + durations.in_status[Status.RESOLVED] == durations.ended_at - durations.started_at


def test_an_open_reopened_incident_counts_from_the_reopen_until_now() -> None:
    story = move(opened(), Status.RESOLVED, START + minutes(20))
    incident, entries = reopened(story, START + minutes(50))

    durations = compute(incident, entries, until=START + minutes(80))

    assert durations.total == minutes(20 + 30)
    assert durations.resolved_intervals == ((START + minutes(20), START + minutes(50)),)


def test_an_incident_across_midnight_and_several_days_counts_every_day() -> None:
    start = datetime(2022, 2, 11, 23, 30, tzinfo=UTC)
    story = opened(start)
    incident, entries = move(story, Status.RESOLVED, start + timedelta(days=2, hours=3))

    durations = compute(incident, entries)

    assert durations.total == timedelta(days=2, hours=3)
    assert short(durations.total) == "2d 3h"


def test_the_autumn_dst_change_in_paris_is_counted_in_real_hours() -> None:
    start = datetime(2022, 10, 30, 1, 30, tzinfo=PARIS)  # CEST, UTC+2
    end = datetime(2022, 10, 30, 3, 30, tzinfo=PARIS)  # CET, UTC+1
    incident, entries = move(opened(start), Status.RESOLVED, end)

    assert compute(incident, entries).total == timedelta(hours=3)


def test_the_spring_dst_change_in_paris_is_counted_in_real_hours() -> None:
    start = datetime(2022, 3, 27, 1, 30, tzinfo=PARIS)  # CET, UTC+1
    end = datetime(2022, 3, 27, 3, 30, tzinfo=PARIS)  # CEST, UTC+2
    incident, entries = move(opened(start), Status.RESOLVED, end)

    assert compute(incident, entries).total == timedelta(hours=1)


def test_the_paris_outage_of_2020_10_15_lasted_one_hour_fifty_five() -> None:
    start = datetime(2020, 10, 15, 22, 30, tzinfo=PARIS)
    incident, entries = move(opened(start), Status.RESOLVED, datetime(2020, 10, 16, 0, 25, tzinfo=PARIS))

    assert short(compute(incident, entries).total) == "1h 55m"


def test_a_backdated_start_reports_the_detection_lag() -> None:
    incident, entries = opened(START, told=START + minutes(9))

    durations = compute(incident, entries, until=START + minutes(30))

    assert durations.detection_lag == minutes(9)


def test_a_start_that_was_not_backdated_has_no_detection_lag() -> None:
    incident, entries = opened()

    assert compute(incident, entries, until=START + minutes(1)).detection_lag is None


def test_entries_given_out_of_order_are_sorted_by_time_then_by_recording() -> None:
    story = move(opened(), Status.IDENTIFIED, START + minutes(10))
    incident, entries = move(story, Status.RESOLVED, START + minutes(40))
    same_time_update = TimelineEntry(
        at=START + minutes(10),
        recorded_at=START + minutes(11),
        actor="U2",
        kind=EntryKind.STATUS,
        text="still identified",
        status_from=Status.IDENTIFIED,
        status_to=Status.IDENTIFIED,
    )

    durations = compute(incident, [entries[2], same_time_update, entries[1], entries[0]])

    assert durations.in_status[Status.INVESTIGATING] == minutes(10)
    assert durations.in_status[Status.IDENTIFIED] == minutes(30)


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        (timedelta(0), "0s"),
        (timedelta(seconds=42), "42s"),
        (timedelta(seconds=59, microseconds=999_999), "59s"),
        (timedelta(minutes=1), "1m"),
        (timedelta(minutes=45, seconds=59), "45m"),
        (timedelta(hours=1, minutes=58, seconds=59), "1h 58m"),
        (timedelta(hours=2), "2h"),
        (timedelta(hours=2, seconds=59), "2h"),
        (timedelta(hours=23, minutes=59), "23h 59m"),
        (timedelta(days=1), "1d"),
        (timedelta(days=2, hours=3, minutes=59), "2d 3h"),
        (timedelta(days=2, minutes=59), "2d"),
        (timedelta(days=40, hours=1), "40d 1h"),
    ],
)
def test_the_short_form_floors_to_the_smallest_unit_it_shows(length: timedelta, expected: str) -> None:
    assert short(length) == expected


def test_the_short_form_refuses_a_negative_duration() -> None:
    with pytest.raises(ValueError, match="negative"):
        short(timedelta(seconds=-1))


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        (timedelta(seconds=42), "42s"),
        (timedelta(seconds=90), "1m 30s"),
        (timedelta(minutes=5), "5m"),
        (timedelta(seconds=3599), "59m 59s"),
        (timedelta(minutes=90, seconds=30), "1h 30m"),  # past an hour, as `short`
    ],
)
def test_a_configured_wait_under_an_hour_is_said_to_the_second(length: timedelta, expected: str) -> None:
    assert to_the_second(length) == expected


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        (timedelta(seconds=59), RoundedDuration(Qualifier.LESS_THAN, Unit.MINUTE, 1)),
        (minutes(1), RoundedDuration(Qualifier.EXACTLY, Unit.MINUTE, 1)),
        (minutes(7.4), RoundedDuration(Qualifier.EXACTLY, Unit.MINUTE, 7)),
        (minutes(9.5), RoundedDuration(Qualifier.ABOUT, Unit.MINUTE, 10)),
        (minutes(27), RoundedDuration(Qualifier.ABOUT, Unit.MINUTE, 25)),
        (minutes(45), RoundedDuration(Qualifier.ALMOST, Unit.HOUR, 1)),
        (minutes(69), RoundedDuration(Qualifier.ABOUT, Unit.HOUR, 1)),
        (minutes(70), RoundedDuration(Qualifier.JUST_OVER, Unit.HOUR, 1)),
        (minutes(80), RoundedDuration(Qualifier.ABOUT, Unit.HOUR, 1, half=True)),
        (minutes(115), RoundedDuration(Qualifier.ALMOST, Unit.HOUR, 2)),
        (minutes(23 * 60 + 45), RoundedDuration(Qualifier.ALMOST, Unit.DAY, 1)),
        (timedelta(days=1, hours=5), RoundedDuration(Qualifier.JUST_OVER, Unit.DAY, 1)),
        (timedelta(days=2, hours=12), RoundedDuration(Qualifier.ABOUT, Unit.DAY, 2, half=True)),
        (timedelta(days=6, hours=20), RoundedDuration(Qualifier.ALMOST, Unit.DAY, 7)),
    ],
)
def test_public_rounding_picks_a_qualifier_unit_and_count(length: timedelta, expected: RoundedDuration) -> None:
    assert round_public(length) == expected


def test_public_rounding_refuses_a_negative_duration() -> None:
    with pytest.raises(ValueError, match="negative"):
        round_public(timedelta(minutes=-5))


def test_minutes_are_never_rounded_to_a_half() -> None:
    with pytest.raises(ValueError, match="half"):
        RoundedDuration(Qualifier.ABOUT, Unit.MINUTE, 2, half=True)
