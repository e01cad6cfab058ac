"""One timeline entry as one line of mrkdwn: time, who, what (`bot.render.timeline.said`), its
user text rendered (and escaped) here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.domain.durations import Durations, short
from bot.domain.incident import Incident, TimelineEntry
from bot.domain.markup import SOMEONE, escape, for_slack
from bot.domain.timefmt import day_and_time, incident_time
from bot.render.durations import DETECTION_LAG, IN_EACH_STATUS, headline, phases
from bot.render.text import link
from bot.render.timeline import Linked, Person, Piece, Stressed, Typed, said, words

BACKDATED_AFTER = timedelta(minutes=1)


def who(user_id: str, names: Mapping[str, str]) -> str:
    """A person's name as plain text: never a mention (nobody is pinged), never a raw id."""
    return f"*{escape(names.get(user_id) or SOMEONE)}*"


def line(entry: TimelineEntry, incident: Incident, names: Mapping[str, str], zone: ZoneInfo) -> str:
    """`` `22:06 IST` *alice* :bulb: set the status to *identified* `` (dates shown after the first
    day, and always when the impact began on an earlier day than it was opened); the bot's own
    record or finding names nobody."""
    description = said(entry, incident, zone)

    def piece(part: Piece) -> str:
        match part:
            case Typed(text):
                return for_slack(text, names)
            case Person(user_id):
                return who(user_id, names)
            case Stressed(word):
                return f"*{escape(word)}*"
            case Linked(label, url):
                return link(url, label)
            case str():
                return escape(part)

    when = incident_time(entry.at, zone, began=incident.impact_started_at, opened=incident.opened_at)
    actor = who(description.who, names) if description.who is not None else ""
    text = " ".join(part for part in (f"`{when}`", actor, description.emoji, words(description, piece)) if part)
    if description.who is not None and entry.recorded_at - entry.at > BACKDATED_AFTER:
        text += f" _(recorded {day_and_time(entry.recorded_at, zone, relative_to=entry.at)})_"
    return text


def duration_lines(durations: Durations) -> list[str]:
    """The report posted at a close (docs/behaviour.md, Durations)."""
    measured = " · ".join(f"{label} *{short(length)}*" for label, length in headline(durations))
    lines = [measured[0].upper() + measured[1:]]
    if spent := phases(durations):
        lines.append(f"{IN_EACH_STATUS.capitalize()}: {spent}")
    if durations.detection_lag is not None:
        lines.append(f"{DETECTION_LAG.capitalize()} *{short(durations.detection_lag)}*")
    return lines


def timeline_lines(
    incident: Incident,
    entries: Sequence[TimelineEntry],
    names: Mapping[str, str],
    zone: ZoneInfo,
) -> list[str]:
    return [line(entry, incident, names, zone) for entry in entries]
