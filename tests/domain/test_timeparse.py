from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.timeparse import parse_at
from bot.errors import BadTime

KOLKATA = ZoneInfo("Asia/Kolkata")
PARIS = ZoneInfo("Europe/Paris")

# 22:30 IST on the evening of the second outage (2022-02-17).
NOW = datetime(2022, 2, 17, 17, 0, tzinfo=UTC)
JUST_AFTER_MIDNIGHT_IN_INDIA = datetime(2022, 2, 17, 18, 35, tzinfo=UTC)  # 00:05 IST on the 18th
AFTER_BOTH_CHANGES_IN_PARIS = datetime(2022, 11, 1, 12, 0, tzinfo=UTC)
SPRING_FORWARD_NOON_IN_PARIS = datetime(2022, 3, 27, 10, 0, tzinfo=UTC)  # 12:00 CEST
SPRING_FORWARD_BEFORE_THE_JUMP_IN_PARIS = datetime(2022, 3, 27, 0, 30, tzinfo=UTC)  # 01:30 CET
FALL_BACK_MORNING_IN_PARIS = datetime(2022, 10, 30, 10, 0, tzinfo=UTC)  # 11:00 CET


def utc(year: int, month: int, day: int, hour: int, minute: int, second: int = 0, micro: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "now", "zone", "expected"),
    [
        # HH:MM
        ("21:41", NOW, KOLKATA, utc(2022, 2, 17, 16, 11)),
        ("11:05", NOW, KOLKATA, utc(2022, 2, 17, 5, 35)),
        ("22:30", NOW, KOLKATA, NOW),
        ("23:50", JUST_AFTER_MIDNIGHT_IN_INDIA, KOLKATA, utc(2022, 2, 17, 18, 20)),
        ("00:01", JUST_AFTER_MIDNIGHT_IN_INDIA, KOLKATA, utc(2022, 2, 17, 18, 31)),
        ("21:41 Asia/Kolkata", NOW, PARIS, utc(2022, 2, 17, 16, 11)),
        ("21:41 asia/KOLKATA", NOW, PARIS, utc(2022, 2, 17, 16, 11)),
        ("16:11 UTC", NOW, KOLKATA, utc(2022, 2, 17, 16, 11)),
        ("  21:41 \t Asia/Kolkata ", NOW, PARIS, utc(2022, 2, 17, 16, 11)),
        # YYYY-MM-DD HH:MM
        ("2022-02-17 21:41", NOW, KOLKATA, utc(2022, 2, 17, 16, 11)),
        ("2022-02-17 21:41 Asia/Kolkata", NOW, PARIS, utc(2022, 2, 17, 16, 11)),
        ("2022-02-11 21:41 Europe/Paris", NOW, KOLKATA, utc(2022, 2, 11, 20, 41)),
        ("2020-10-15 22:30 Europe/Paris", NOW, KOLKATA, utc(2020, 10, 15, 20, 30)),
        # ISO 8601 with offset
        ("2022-02-17T21:41:00+05:30", NOW, PARIS, utc(2022, 2, 17, 16, 11)),
        ("2022-02-17T16:11Z", NOW, PARIS, utc(2022, 2, 17, 16, 11)),
        ("2022-02-17 21:41+05:30", NOW, PARIS, utc(2022, 2, 17, 16, 11)),
        ("2022-02-17T11:11-0500", NOW, PARIS, utc(2022, 2, 17, 16, 11)),
        ("2022-02-17T16:11:30.5Z", NOW, PARIS, utc(2022, 2, 17, 16, 11, 30, 500_000)),
        # N ago
        ("30m ago", NOW, KOLKATA, utc(2022, 2, 17, 16, 30)),
        ("45 min ago", NOW, KOLKATA, utc(2022, 2, 17, 16, 15)),
        ("90 minutes ago", NOW, KOLKATA, utc(2022, 2, 17, 15, 30)),
        ("2h ago", NOW, KOLKATA, utc(2022, 2, 17, 15, 0)),
        ("1 hour ago", NOW, KOLKATA, utc(2022, 2, 17, 16, 0)),
        ("3 HOURS AGO", NOW, KOLKATA, utc(2022, 2, 17, 14, 0)),
        ("0m ago", NOW, KOLKATA, NOW),
        ("10000h ago", NOW, KOLKATA, NOW - timedelta(hours=10_000)),
        # Europe/Paris clocks jump forward on 2022-03-27 (02:00 -> 03:00) ...
        ("2022-03-27 01:59", AFTER_BOTH_CHANGES_IN_PARIS, PARIS, utc(2022, 3, 27, 0, 59)),
        ("2022-03-27 03:00", AFTER_BOTH_CHANGES_IN_PARIS, PARIS, utc(2022, 3, 27, 1, 0)),
        ("01:30", SPRING_FORWARD_NOON_IN_PARIS, PARIS, utc(2022, 3, 27, 0, 30)),
        ("03:30", SPRING_FORWARD_NOON_IN_PARIS, PARIS, utc(2022, 3, 27, 1, 30)),
        ("23:30", SPRING_FORWARD_BEFORE_THE_JUMP_IN_PARIS, PARIS, utc(2022, 3, 26, 22, 30)),
        # ... and back on 2022-10-30 (03:00 -> 02:00): a dated repeated time means its first pass
        ("2022-10-30 01:30", AFTER_BOTH_CHANGES_IN_PARIS, PARIS, utc(2022, 10, 29, 23, 30)),
        ("2022-10-30 02:30", AFTER_BOTH_CHANGES_IN_PARIS, PARIS, utc(2022, 10, 30, 0, 30)),
        ("2022-10-30 03:30", AFTER_BOTH_CHANGES_IN_PARIS, PARIS, utc(2022, 10, 30, 2, 30)),
        ("2022-10-30T02:30+01:00", AFTER_BOTH_CHANGES_IN_PARIS, PARIS, utc(2022, 10, 30, 1, 30)),
        ("02:30", FALL_BACK_MORNING_IN_PARIS, PARIS, utc(2022, 10, 30, 1, 30)),  # HH:MM: its latest pass
        ("02:30", datetime(2022, 10, 30, 1, 0, tzinfo=UTC), PARIS, utc(2022, 10, 30, 0, 30)),  # at 02:00 CET
    ],
)
def test_a_readable_time_is_the_expected_utc_instant(
    text: str, now: datetime, zone: ZoneInfo, expected: datetime
) -> None:
    assert parse_at(text, now=now, zone=zone) == expected


@pytest.mark.parametrize("text", ["21:41", "2022-02-17 09:41 Europe/Paris", "2022-02-17T21:41+05:30", "5m ago"])
def test_every_form_returns_an_aware_utc_datetime(text: str) -> None:
    assert parse_at(text, now=NOW, zone=KOLKATA).tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "No time given. Use HH:MM"),
        ("tomorrow", "'tomorrow' is not a time I can read. Use HH:MM"),
        ("21h41", "'21h41' is not a time I can read. Use HH:MM"),
        ("21:41 in Paris", "'21:41 in Paris' is not a time I can read"),
        ("5m", "'5m' is not a time I can read"),
        ("25:99", "25:99 is not a time of day: use HH:MM from 00:00 to 23:59"),
        ("24:00", "24:00 is not a time of day"),
        ("2022-02-17 21:60", "21:60 is not a time of day"),
        ("2022-02-30 21:41", "2022-02-30 is not a date: February 2022 has 28 days"),
        ("2024-02-30 21:41", "2024-02-30 is not a date: February 2024 has 29 days"),
        ("2022-04-31T10:00Z", "2022-04-31 is not a date: April 2022 has 30 days"),
        ("2022-13-01 10:00", "2022-13-01 is not a date: months run from 01 to 12"),
        ("1969-07-20 20:17 UTC", "1969-07-20 is too far in the past"),
        (
            "21:41 Asia/Kolkatta",
            "Unknown time zone 'Asia/Kolkatta'. Did you mean Asia/Kolkata? "
            "Use an IANA name such as Asia/Kolkata or Europe/Paris.",
        ),
        ("21:41 Paris", "Unknown time zone 'Paris'. Did you mean Europe/Paris?"),
        ("21:41 IST", "Unknown time zone 'IST'. Abbreviations such as IST are ambiguous."),
        ("21:41 +05:30", "A UTC offset goes right after a full date and time: 2022-02-17T21:41+05:30"),
        (
            "2022-02-17T21:41+05:30 Asia/Kolkata",
            "'2022-02-17T21:41+05:30' already has a UTC offset (+05:30), so 'Asia/Kolkata' contradicts it",
        ),
        ("2022-02-17T21:41+15:00", "+15:00 is not a UTC offset: offsets run from -12:00 to +14:00"),
        (
            "10m ago Europe/Paris",
            "'10m ago' counts back from now, so it takes no time zone: drop 'Europe/Paris'",
        ),
        ("-5m ago", "'-5m ago' counts back from now: the number cannot be negative"),
        ("10001h ago", "'10001h ago' is too far back: times go back at most 10,000 hours"),
        ("600001 minutes ago", "is too far back"),
        ("99999999999999999999h ago", "is too far back"),
        ("2022-02-18 10:00", "2022-02-18 10:00 IST is in the future."),
        ("2022-02-17 22:31", "22:31 IST is in the future."),
        ("2022-02-17T17:01Z", "22:31 IST is in the future."),
        ("2026-11-24 10:00 Europe/Paris", "2026-11-24 10:00 CET is in the future."),
        ("9999-12-31T23:59-12:00", "is in the future."),
        (
            "2022-03-27 02:30 Europe/Paris",
            "2022-03-27 02:30 did not happen in Europe/Paris: clocks jumped forward from 02:00 to 03:00.",
        ),
    ],
)
def test_an_unusable_time_is_refused_with_a_message_that_says_why(text: str, message: str) -> None:
    with pytest.raises(BadTime) as refused:
        parse_at(text, now=NOW, zone=KOLKATA)
    assert message in refused.value.message


# 21:41 IST on 2022-02-17, the evening of the second outage.
AT_2141_IST = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "now", "zone", "expected"),
    [
        ("21:40", AT_2141_IST, KOLKATA, utc(2022, 2, 17, 16, 10)),  # just past
        ("21:41", AT_2141_IST, KOLKATA, AT_2141_IST),  # this very minute
        ("09:41", AT_2141_IST, KOLKATA, utc(2022, 2, 17, 4, 11)),  # exactly 12 hours ago
        ("23:50", datetime(2022, 2, 17, 18, 35, tzinfo=UTC), KOLKATA, utc(2022, 2, 17, 18, 20)),  # before midnight
        ("16:11", AT_2141_IST, ZoneInfo("UTC"), AT_2141_IST),
        ("17:11 Europe/Paris", AT_2141_IST, KOLKATA, AT_2141_IST),
        # Paris, 2022-03-27 at 13:10 CEST: 01:00 CET was 11h10m ago, though the wall clock moved 12h10m
        ("01:00", datetime(2022, 3, 27, 11, 10, tzinfo=UTC), PARIS, utc(2022, 3, 27, 0, 0)),
    ],
)
def test_hh_mm_within_the_last_12_hours_is_its_most_recent_past_occurrence(
    text: str, now: datetime, zone: ZoneInfo, expected: datetime
) -> None:
    assert parse_at(text, now=now, zone=zone) == expected


@pytest.mark.parametrize(
    ("text", "now", "zone", "message"),
    [
        (
            "21:50",
            AT_2141_IST,
            KOLKATA,
            "21:50 has not happened yet today (2022-02-17); did you mean yesterday, 2022-02-16 21:50 "
            "(23h 51m ago)? Write the date: `--at 2022-02-16 21:50`.",
        ),
        (
            "09:40",
            AT_2141_IST,
            KOLKATA,
            "09:40 today (2022-02-17) was 12h 1m ago, more than 12 hours: write the date, "
            "`--at 2022-02-17 09:40`, or `--at 2022-02-16 09:40` for yesterday.",
        ),
        (
            "21:50 Europe/Paris",
            AT_2141_IST,
            KOLKATA,
            "21:50 has not happened yet today (2022-02-17); did you mean yesterday, 2022-02-16 21:50 "
            "(19h 21m ago)? Write the date: `--at 2022-02-16 21:50 Europe/Paris`.",
        ),
        (
            "00:10",
            datetime(2022, 2, 17, 18, 35, tzinfo=UTC),  # 00:05 IST on the 18th
            KOLKATA,
            "00:10 has not happened yet today (2022-02-18); did you mean yesterday, 2022-02-17 00:10 "
            "(23h 55m ago)? Write the date: `--at 2022-02-17 00:10`.",
        ),
        (  # Paris, 2022-10-30 at 12:45 CET: 00:50 CEST was 12h55m ago, though the wall clock moved 11h55m
            "00:50",
            datetime(2022, 10, 30, 11, 45, tzinfo=UTC),
            PARIS,
            "00:50 today (2022-10-30) was 12h 55m ago, more than 12 hours: write the date, "
            "`--at 2022-10-30 00:50`, or `--at 2022-10-29 00:50` for yesterday.",
        ),
        (  # Paris, 2022-03-27 at 01:30 CET, before the jump: today's 02:30 never comes, yesterday's is 23h ago
            "02:30",
            SPRING_FORWARD_BEFORE_THE_JUMP_IN_PARIS,
            PARIS,
            "02:30 has not happened yet today (2022-03-27); did you mean yesterday, 2022-03-26 02:30 (23h ago)?",
        ),
    ],
)
def test_hh_mm_further_back_than_12_hours_is_refused_naming_both_dates(
    text: str, now: datetime, zone: ZoneInfo, message: str
) -> None:
    with pytest.raises(BadTime) as refused:
        parse_at(text, now=now, zone=zone)
    assert message in refused.value.message


def test_hh_mm_that_clocks_skipped_today_is_refused_once_that_hour_has_passed() -> None:
    with pytest.raises(BadTime) as refused:
        parse_at("02:30", now=SPRING_FORWARD_NOON_IN_PARIS, zone=PARIS)
    assert "did not happen in Europe/Paris" in refused.value.message


def test_a_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="must be timezone-aware"):
        parse_at("21:41", now=datetime(2022, 2, 17, 17, 0), zone=KOLKATA)


ZONES_WITH_ODD_RULES = ["UTC", "Asia/Kolkata", "Europe/Paris", "America/New_York", "Australia/Lord_Howe"]


@given(
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    now=st.datetimes(datetime(2000, 1, 2), datetime(2035, 12, 31), timezones=st.just(UTC)),
    zone_name=st.sampled_from(ZONES_WITH_ODD_RULES),
)
def test_hh_mm_is_the_latest_past_moment_showing_that_time_on_the_clock_within_12_hours(
    hour: int, minute: int, now: datetime, zone_name: str
) -> None:
    zone = ZoneInfo(zone_name)
    try:
        at = parse_at(f"{hour:02}:{minute:02}", now=now, zone=zone)
    except BadTime as refused:
        assert any(why in refused.message for why in ("did not happen", "not happened yet", "more than 12 hours"))
        return
    local = at.astimezone(zone)
    assert (local.hour, local.minute) == (hour, minute)
    assert now - timedelta(hours=12) <= at <= now


@given(st.lists(st.sampled_from([*"0123456789:-+ TZmh", "ago", " min", "UTC", "Europe/Paris"])).map("".join))
def test_any_text_reads_as_a_past_instant_or_a_bad_time(text: str) -> None:
    try:
        at = parse_at(text, now=NOW, zone=KOLKATA)
    except BadTime as refused:
        assert refused.message
        return
    assert at <= NOW
    assert at.tzinfo is UTC
