"""The reminder message (docs/behaviour.md, Update promises and reminders): pure Block Kit.

A nudge mentions the comms lead (the lead when there is none), an escalation the comms lead and
the lead: these are the only mentions the bot makes on purpose, of people holding a role. The
buttons carry `<INC number>:<schedule version>`, so a click on an answered reminder changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.alerts import is_source
from bot.domain.incident import EntryKind, Incident
from bot.domain.reminders import ANSWERS, LATE_AFTER, SNOOZES, ReminderKind, ReminderMessage, minutes
from bot.domain.timefmt import clock_time
from bot.render import actions
from bot.render.blocks import button
from bot.render.lines import line
from bot.render.text import section

Block = dict[str, Any]


def snooze_label(length: timedelta) -> str:
    minutes = int(length.total_seconds() // 60)
    return f"Snooze {minutes} min" if minutes < 60 else f"Snooze {minutes // 60} h"


def mentions(incident: Incident, kind: ReminderKind) -> str:
    """The comms lead (else the lead), and at an escalation the lead too; a lead that is still the
    alert source a rule declared the incident for is nobody to mention."""
    people = [incident.comms or incident.lead]
    if kind is ReminderKind.ESCALATION and incident.lead not in people:
        people.append(incident.lead)
    named = [f"<@{person}>" for person in people if not is_source(person)]
    return " ".join(named) or "Nobody leads this incident yet:"


def reminder_message(
    incident: Incident,
    *,
    kind: ReminderKind,
    due: datetime,
    noticed_at: datetime,
    late: timedelta,
    version: int,
    zone: ZoneInfo,
) -> tuple[str, list[Block]]:
    """The notification text and the blocks of a nudge or an escalation."""
    who = mentions(incident, kind)
    due_at = clock_time(due, zone)
    text = _said(incident, kind=kind, due=due, noticed_at=noticed_at, late=late, zone=zone)
    value = actions.reminder_value(incident.number, version)
    elements = [button("Draft update", actions.DRAFT, str(incident.number), style="primary")]
    elements += [button(snooze_label(length), actions.snooze_action(length), value) for length in SNOOZES]
    elements.append(button("Still investigating: no update needed now", actions.NO_UPDATE, value))
    fallback = f"{who} {incident.name}: the public update due by {due_at} is overdue"
    return fallback, [section(text), {"type": "actions", "block_id": actions.REMINDER_BLOCK, "elements": elements}]


def answered_message(
    incident: Incident, message: ReminderMessage, names: Mapping[str, str], zone: ZoneInfo, *, nothing_due: bool
) -> tuple[str, list[Block]]:
    """The reminder once answered: its words, then what answered it instead of its buttons:
    "Answered: `22:25 IST` *bob* :mega: published the English short update", or the change that
    took its deadline away: "No longer due: `22:16 IST` *alice* changed the severity: sev1 -> sev3
    · no public update is due now" (`nothing_due`: the incident has no deadline now)."""
    answer = message.answer
    if answer is None:
        raise ValueError("an unanswered reminder keeps its buttons")
    if answer.kind is EntryKind.PUBLISHED:  # "English short update: <the text>": the text is just above
        answer = replace(answer, text=answer.text.partition(": ")[0])
    reminder = message.reminder
    text = _said(
        incident,
        kind=reminder.kind,
        due=reminder.due,
        noticed_at=message.noticed_at,
        late=reminder.late,
        zone=zone,
        asking=False,
    )
    what = line(answer, incident, names, zone)
    due_by = f"{incident.name}: the public update due by {clock_time(reminder.due, zone)}"
    if answer.kind in ANSWERS:
        fallback, said = f"{due_by} was answered", f"Answered: {what}"
    else:
        fallback, said = f"{due_by} is no longer due", f"No longer due: {what}"
        said += " · no public update is due now" if nothing_due else ""
    return fallback, [section(text), {"type": "context", "elements": [{"type": "mrkdwn", "text": said}]}]


def _said(
    incident: Incident,
    *,
    kind: ReminderKind,
    due: datetime,
    noticed_at: datetime,
    late: timedelta,
    zone: ZoneInfo,
    asking: bool = True,
) -> str:
    """What a nudge or an escalation says (`asking`: with what its buttons offer)."""
    who = mentions(incident, kind)
    due_at = clock_time(due, zone)
    overdue = noticed_at - due
    ago = f", {minutes(overdue)} ago" if overdue >= timedelta(minutes=1) else ""
    if kind is ReminderKind.NUDGE:
        text = (
            f":alarm_clock: {who} the next public update of *{incident.name}* was due by *{due_at}*{ago}, "
            "and none has been published."
        )
        if asking:
            text += " Draft one, snooze this reminder, or say none is needed now."
    else:
        text = f":rotating_light: {who} *{incident.name}* still has no public update: one was due by *{due_at}*{ago}."
    if late >= LATE_AFTER:
        text += f"\n_This reminder comes {minutes(late)} after its time: the bot was not running then._"
    return text
