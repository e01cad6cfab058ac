"""The `--at TIME` grammar: what a person types after `--at`, read as an aware UTC instant.

Accepted forms (`ACCEPTED_FORMS` says the same to people):

    21:41, 9:05                      its most recent past occurrence in the zone, accepted only
                                     when that is within the last 12 hours (RECENT_CLOCK)
    2022-02-17 21:41                 a wall-clock time in the zone (`T` instead of the space too)
    2022-02-17T21:41:00+05:30        an ISO 8601 timestamp with its offset; also `Z`, `+0530`,
    2022-02-17 21:41+05:30           and a space instead of `T`
    10m ago, 45 min ago, 2h ago, 3 hours ago
    21:41 Asia/Kolkata               the first two forms may end with an IANA zone name (any
    2022-02-17 21:41 asia/kolkata    case, or UTC) that replaces the configured zone

Seconds (`21:41:30`) are accepted wherever minutes are. Dates before 1970 are refused.

Wall-clock rules: a local time that clocks skipped (spring forward) is refused; a local time
that happened twice (clocks going back) means, written as HH:MM, its most recent past
occurrence, and written with a date, its first occurrence (`fold=0`, the earlier instant); give
an ISO timestamp with an offset to name either exactly.

Dated, ISO and `ago` times after `now` are refused. An HH:MM whose most recent occurrence is
more than 12 hours ago is refused naming the two dates the person may mean (today's and
yesterday's), so `--at 21:50` typed at 21:41 never silently means yesterday. Whether a time is before the incident
started is not checked here: that is `bot.domain.incident.check_event_time`.
"""

from __future__ import annotations

import calendar
import difflib
import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache
from typing import NoReturn
from zoneinfo import ZoneInfo, available_timezones

from bot.domain.durations import short
from bot.domain.timefmt import day_and_time, require_aware
from bot.errors import BadTime

MAX_AGO = timedelta(hours=10_000)
RECENT_CLOCK = timedelta(hours=12)
EARLIEST_YEAR = 1970

ACCEPTED_FORMS = (
    "HH:MM (within the last 12 hours), YYYY-MM-DD HH:MM, "
    "an ISO 8601 time with offset (2022-02-17T21:41+05:30), or 10m ago / 2h ago. "
    "HH:MM and YYYY-MM-DD HH:MM may end with a time zone: 21:41 Asia/Kolkata."
)

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_DATE = r"(?P<date>(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2}))"
_SECONDS = r"(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,6}))?)?"
_CLOCK = r"(?P<clock>(?P<hour>\d{1,2}):(?P<minute>\d{2})" + _SECONDS + ")"
_ZONE = r"(?:\s(?P<zone>\S+))?"
_UNIT = r"(?P<unit>m|mins?|minutes?|h|hrs?|hours?)"
_AGO = re.compile(r"(?P<sign>[-+]?)(?P<count>\d+)\s?" + _UNIT + r"\sago" + _ZONE, re.I)
_STAMP = re.compile(_DATE + r"[T\s]" + _CLOCK + r"\s?(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)" + _ZONE, re.I)
_LOCAL = re.compile(r"(?:" + _DATE + r"[T\s])?" + _CLOCK + _ZONE, re.I)
_OFFSET_LIKE = re.compile(r"[+-]\d{1,2}(?::?\d{2})?")


def parse_at(text: str, *, now: datetime, zone: ZoneInfo) -> datetime:
    """Read `text` as an instant (aware, UTC); `zone` reads wall-clock forms without a zone."""
    now = require_aware(now, "now")
    spoken = " ".join(text.split())
    if not spoken:
        raise BadTime(f"No time given. Use {ACCEPTED_FORMS}")
    if match := _AGO.fullmatch(spoken):
        return _ago(match, now)
    if match := _STAMP.fullmatch(spoken):
        return _stamp(match, now, zone)
    if match := _LOCAL.fullmatch(spoken):
        return _wall_clock(match, now, zone)
    raise BadTime(f"'{spoken}' is not a time I can read. Use {ACCEPTED_FORMS}")


def leading_time(text: str) -> tuple[str, str]:
    """`13h ago Checkout errors` -> (`13h ago`, `Checkout errors`): the most leading words written as
    one of the forms (a last word read as a zone only when it names one) and the words after them;
    (`text`, "") when no leading words are, for `parse_at` to say what is wrong. Reads no clock."""
    words = text.split()
    for count in range(len(words), 0, -1):
        spoken = " ".join(words[:count])
        match = _AGO.fullmatch(spoken) or _STAMP.fullmatch(spoken) or _LOCAL.fullmatch(spoken)
        if match and (not match["zone"] or match["zone"].lower() in _zone_names()):
            return spoken, " ".join(words[count:])
    return text, ""


def _ago(match: re.Match[str], now: datetime) -> datetime:
    phrase = _without_zone(match)
    if match["zone"]:
        raise BadTime(f"'{phrase}' counts back from now, so it takes no time zone: drop '{match['zone']}'.")
    if match["sign"] == "-":
        raise BadTime(f"'{phrase}' counts back from now: the number cannot be negative.")
    unit = timedelta(hours=1) if match["unit"].lower().startswith("h") else timedelta(minutes=1)
    digits = match["count"]
    if len(digits) > 9 or unit * int(digits) > MAX_AGO:
        raise BadTime(f"'{phrase}' is too far back: times go back at most 10,000 hours (about 14 months).")
    return now - unit * int(digits)


def _stamp(match: re.Match[str], now: datetime, zone: ZoneInfo) -> datetime:
    if match["zone"]:
        raise BadTime(
            f"'{_without_zone(match)}' already has a UTC offset ({match['offset']}), so '{match['zone']}' "
            "contradicts it: drop the zone or the offset."
        )
    local = datetime.combine(_date(match), _clock(match), tzinfo=_offset(match["offset"]))
    return _not_future(_to_utc(local, match), now, zone)


def _wall_clock(match: re.Match[str], now: datetime, zone: ZoneInfo) -> datetime:
    place = _zone(match["zone"]) if match["zone"] else zone
    clock = _clock(match)
    if match["date"]:
        at = _wall_to_utc(datetime.combine(_date(match), clock), place, match)
        return _not_future(at, now, place)
    return _latest_past(clock, now, place, match)


def _latest_past(clock: time, now: datetime, place: ZoneInfo, match: re.Match[str]) -> datetime:
    """`clock`'s most recent past occurrence in `place`, if within RECENT_CLOCK; else refused."""
    local_now = now.astimezone(place).replace(tzinfo=None)
    today = datetime.combine(local_now.date(), clock)
    yesterday = today - timedelta(days=1)
    if not _skipped(today, place):
        # A time the clocks passed twice today (they went back): its later pass if that is past.
        later = _to_utc(today.replace(tzinfo=place, fold=1), match)
        at = later if later <= now else _to_utc(today.replace(tzinfo=place, fold=0), match)
        if at <= now:
            if now - at <= RECENT_CLOCK:
                return at
            raise BadTime(_long_ago(match, today, yesterday, now - at, place))
    elif today <= local_now:
        _refuse_skipped(today, place)
    at = _wall_to_utc(yesterday, place, match)
    if now - at <= RECENT_CLOCK:
        return at
    raise BadTime(_not_yet(match, today, yesterday, now - at, place))


def _not_yet(match: re.Match[str], today: datetime, yesterday: datetime, ago: timedelta, place: ZoneInfo) -> str:
    clock, written = _clock_text(today), _written_date(yesterday, match, place)
    return (
        f"{clock} has not happened yet today ({today:%Y-%m-%d}); did you mean yesterday, "
        f"{yesterday:%Y-%m-%d} {clock} ({short(ago)} ago)? Write the date: `--at {written}`."
    )


def _long_ago(match: re.Match[str], today: datetime, yesterday: datetime, ago: timedelta, place: ZoneInfo) -> str:
    clock = _clock_text(today)
    return (
        f"{clock} today ({today:%Y-%m-%d}) was {short(ago)} ago, more than 12 hours: write the date, "
        f"`--at {_written_date(today, match, place)}`, or `--at {_written_date(yesterday, match, place)}` "
        "for yesterday."
    )


def _clock_text(local: datetime) -> str:
    return f"{local:%H:%M:%S}" if local.second or local.microsecond else f"{local:%H:%M}"


def _written_date(local: datetime, match: re.Match[str], place: ZoneInfo) -> str:
    """How to write `local` with its date, keeping the zone the person gave."""
    zone = f" {place.key}" if match["zone"] else ""
    return f"{local:%Y-%m-%d} {_clock_text(local)}{zone}"


def _wall_to_utc(local: datetime, place: ZoneInfo, match: re.Match[str]) -> datetime:
    """A naive wall-clock time in `place` -> UTC; a repeated time is its first occurrence."""
    if _skipped(local, place):
        _refuse_skipped(local, place)
    return _to_utc(local.replace(tzinfo=place, fold=0), match)


def _skipped(local: datetime, place: ZoneInfo) -> bool:
    round_trip = local.replace(tzinfo=place).astimezone(UTC).astimezone(place)
    return round_trip.replace(tzinfo=None) != local


def _refuse_skipped(local: datetime, place: ZoneInfo) -> NoReturn:
    earlier, later = sorted(_offsets(local, place))
    low = (local - later).replace(tzinfo=UTC)  # read with the later offset: still before the jump
    minutes = int((later - earlier).total_seconds() // 60)
    step = 0
    while minutes - step > 1:  # find the first minute on the later offset
        middle = (step + minutes) // 2
        if (low + timedelta(minutes=middle)).astimezone(place).utcoffset() == later:
            minutes = middle
        else:
            step = middle
    jump = low + timedelta(minutes=minutes)
    raise BadTime(
        f"{local:%Y-%m-%d %H:%M} did not happen in {place.key}: clocks jumped forward from "
        f"{jump + earlier:%H:%M} to {jump + later:%H:%M}."
    )


def _offsets(local: datetime, place: ZoneInfo) -> tuple[timedelta, timedelta]:
    first = local.replace(tzinfo=place, fold=0).utcoffset() or timedelta(0)
    second = local.replace(tzinfo=place, fold=1).utcoffset() or timedelta(0)
    return first, second


def _to_utc(local: datetime, match: re.Match[str]) -> datetime:
    try:
        return local.astimezone(UTC)
    except OverflowError:  # only the very end of year 9999 (earlier years are refused before)
        raise BadTime(f"{match['date']} is in the future.") from None


def _not_future(at: datetime, now: datetime, shown_in: ZoneInfo) -> datetime:
    if at <= now:
        return at
    try:
        shown = day_and_time(at, shown_in, relative_to=now)
    except OverflowError:  # the last hours of year 9999, shown in a zone east of UTC
        shown = f"{at:%Y-%m-%d %H:%M} UTC"
    raise BadTime(f"{shown} is in the future.")


def _date(match: re.Match[str]) -> date:
    written = match["date"]
    year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    if not 1 <= month <= 12:
        raise BadTime(f"{written} is not a date: months run from 01 to 12.")
    if year < EARLIEST_YEAR:
        raise BadTime(f"{written} is too far in the past.")
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise BadTime(f"{written} is not a date: {_MONTHS[month - 1]} {year} has {days} days.")
    return date(year, month, day)


def _clock(match: re.Match[str]) -> time:
    hour, minute, second = int(match["hour"]), int(match["minute"]), int(match["second"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise BadTime(f"{match['clock']} is not a time of day: use HH:MM from 00:00 to 23:59.")
    return time(hour, minute, second, int((match["fraction"] or "0").ljust(6, "0")))


def _offset(written: str) -> timezone:
    if written.upper() == "Z":
        return UTC
    digits = written[1:].replace(":", "")
    size = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    if int(digits[2:] or 0) > 59 or size > timedelta(hours=14 if written[0] == "+" else 12):
        raise BadTime(f"{written} is not a UTC offset: offsets run from -12:00 to +14:00.")
    return timezone(-size if written[0] == "-" else size)


def _without_zone(match: re.Match[str]) -> str:
    return match.string[: match.start("zone")].rstrip() if match["zone"] else match.string


# --- zone names ----------------------------------------------------------------------------


@cache
def _zone_names() -> dict[str, str]:
    """Lower-cased name -> IANA name, for every zone this machine knows, plus UTC."""
    names = (available_timezones() - {"localtime"}) | {"UTC"}
    return {name.lower(): name for name in names}


@cache
def _zone_names_by_city() -> dict[str, list[str]]:
    """`paris` -> [`Europe/Paris`]: the last part of each name, to suggest the full one."""
    cities: dict[str, list[str]] = {}
    for name in sorted(_zone_names().values()):
        cities.setdefault(name.rsplit("/", 1)[-1].lower(), []).append(name)
    return cities


def _zone(word: str) -> ZoneInfo:
    name = _zone_names().get(word.lower())
    if name is None:
        raise BadTime(_unknown_zone_message(word))
    return ZoneInfo(name)


def _unknown_zone_message(word: str) -> str:
    message = f"Unknown time zone '{word}'."
    if _OFFSET_LIKE.fullmatch(word):
        return f"{message} A UTC offset goes right after a full date and time: 2022-02-17T21:41+05:30."
    suggestion = _closest_zone(word)
    if suggestion:
        message += f" Did you mean {suggestion}?"
    elif word.isalpha() and word.isupper() and len(word) <= 5:
        message += f" Abbreviations such as {word} are ambiguous."
    return message + " Use an IANA name such as Asia/Kolkata or Europe/Paris."


def _closest_zone(word: str) -> str | None:
    same_city = _zone_names_by_city().get(word.lower(), [])
    if same_city:
        return same_city[0]
    close = difflib.get_close_matches(word.lower(), _zone_names().keys(), n=1, cutoff=0.8)
    return _zone_names()[close[0]] if close else None
