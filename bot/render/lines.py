"""One timeline entry as one line of mrkdwn: time, who, what. User text is rendered (and escaped) here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.domain.aftermath import is_finding
from bot.domain.durations import Durations, short
from bot.domain.impacts import read_impact_entry
from bot.domain.incident import EntryKind, Incident, Status, TimelineEntry
from bot.domain.language import load_language
from bot.domain.markup import SOMEONE, escape, for_slack
from bot.domain.reminders import promise_words, read_promise_entry, reminder_words
from bot.domain.roles import ROLE_TITLES, read_entry
from bot.domain.timefmt import day_and_time
from bot.domain.visibility import PRIVATE

STATUS_EMOJI = {
    Status.INVESTIGATING: ":mag:",
    Status.IDENTIFIED: ":bulb:",
    Status.MONITORING: ":eyes:",
    Status.RESOLVED: ":white_check_mark:",
}
BACKDATED_AFTER = timedelta(minutes=1)


def who(user_id: str, names: Mapping[str, str]) -> str:
    """A person's name as plain text: never a mention (nobody is pinged), never a raw id."""
    return f"*{escape(names.get(user_id) or SOMEONE)}*"


def promise_outcome(entry: TimelineEntry, zone: ZoneInfo) -> str:
    """`:hourglass: Update promised by 22:20 IST was missed (published 22:25 IST, 5 min late)`."""
    emoji = ":white_check_mark:" if read_promise_entry(entry).kept else ":hourglass:"
    return f"{emoji} {promise_words(entry, zone)}"


def reminder_what(entry: TimelineEntry, zone: ZoneInfo) -> str:
    """A snooze or a "no update needed now", in words."""
    return (":zzz: " if entry.kind is EntryKind.SNOOZED else "") + reminder_words(entry, zone)


def impact_what(entry: TimelineEntry, names: Mapping[str, str]) -> str:
    """`set the customer impact (Français): ...`; entries older than languages name none."""
    code, text = read_impact_entry(entry)
    language = f" ({load_language(code).name})" if code else ""
    return f"set the customer impact{language}: {for_slack(text, names)}"


def what(entry: TimelineEntry, incident: Incident, names: Mapping[str, str], zone: ZoneInfo) -> str:
    """The action of `entry`, in words, with its user text rendered for Slack (links, names, no pings)."""
    if entry.kind in (EntryKind.SNOOZED, EntryKind.NO_UPDATE):
        return reminder_what(entry, zone)
    text = for_slack(entry.text, names)
    to = entry.status_to
    match entry.kind:
        case EntryKind.OPENED:
            return f"opened {incident.name}: {for_slack(incident.title, names)}"
        case EntryKind.STATUS if to is Status.RESOLVED:
            return f"{STATUS_EMOJI[to]} resolved {incident.name}" + (f": {text}" if text else "")
        case EntryKind.STATUS if to is not None and to is entry.status_from:
            return f"posted an update ({to.value}): {text}"
        case EntryKind.STATUS if to is not None:
            line = f"{STATUS_EMOJI[to]} set the status to *{to.value}*"
            return line + (f": {text}" if text else "")
        case EntryKind.REOPENED:
            return f":leftwards_arrow_with_hook: reopened {incident.name}" + (f": {text}" if text else "")
        case EntryKind.NOTE:
            return f":memo: {text}"
        case EntryKind.IMPACT:
            return impact_what(entry, names)
        case EntryKind.VISIBILITY if entry.text == PRIVATE:
            return ":lock: made the incident private: off the status page and feeds, not announced"
        case EntryKind.VISIBILITY:
            return ":unlock: made the incident public: the next published update puts it on the status page"
        case EntryKind.PUBLIC_TITLE:
            return f"set the public title (status page and feeds): {text}"
        case EntryKind.SEVERITY:
            return f"changed the severity: {text}"
        case EntryKind.LEAD | EntryKind.ROLE:
            role, person = read_entry(entry)
            if person is None:
                return f"cleared the {role.value} role"
            return f"made {who(person, names)} the {ROLE_TITLES[role]}"
        case EntryKind.ATTACK:
            return f":shield: changed the security assessment: {text}"
        case EntryKind.MESSAGE:
            return f":pushpin: {text}"
        case EntryKind.DRAFT:
            return f":memo: drafted public updates: {text}"
        case EntryKind.PUBLISHED:
            return f":mega: published the {text}"
        case EntryKind.CORRECTED:
            return f":pencil2: corrected the published {text}"
        case _:
            return text


def line(entry: TimelineEntry, incident: Incident, names: Mapping[str, str], zone: ZoneInfo) -> str:
    """`` `22:06 IST` *alice* set the status to *identified* `` (dates shown after the first day)."""
    when = day_and_time(entry.at, zone, relative_to=incident.impact_started_at)
    if entry.kind is EntryKind.PROMISE:  # the bot's own record: nobody did it
        return f"`{when}` {promise_outcome(entry, zone)}"
    if is_finding(entry):  # the bot's own finding ("2nd similar incident in 7 days: ..."), nobody's act
        return f"`{when}` :repeat: {for_slack(entry.text, names)}"
    text = f"`{when}` {who(entry.actor, names)} {what(entry, incident, names, zone)}"
    if entry.recorded_at - entry.at > BACKDATED_AFTER:
        text += f" _(recorded {day_and_time(entry.recorded_at, zone, relative_to=entry.at)})_"
    return text


def duration_lines(durations: Durations) -> list[str]:
    """The report posted at a close (docs/behaviour.md, Durations)."""
    parts = [f"Total *{short(durations.total)}*"]
    if durations.to_identify is not None:
        parts.append(f"time to identify *{short(durations.to_identify)}*")
    if durations.to_mitigate is not None:
        parts.append(f"time to mitigate *{short(durations.to_mitigate)}*")
    lines = [" · ".join(parts)]
    phases = [
        f"{status.value} {short(spent)}" for status, spent in durations.in_status.items() if spent.total_seconds() > 0
    ]
    if phases:
        lines.append("Time in each status: " + " · ".join(phases))
    if durations.detection_lag is not None:
        lines.append(f"Detected {short(durations.detection_lag)} after the impact began")
    return lines


def timeline_lines(
    incident: Incident,
    entries: Sequence[TimelineEntry],
    names: Mapping[str, str],
    zone: ZoneInfo,
) -> list[str]:
    return [line(entry, incident, names, zone) for entry in entries]
