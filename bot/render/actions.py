"""The ids of what people press and submit in the bot's messages and modals, and how a button's
value is written: rendered into Block Kit here, read back by the Bolt listeners (`bot.slack`), so
each is spelled once.

Slack sends an id back exactly as it was rendered, also from a message posted weeks ago: a
released id never changes.
"""

from __future__ import annotations

import re
from datetime import timedelta

from bot.domain.incident import Attack, Status
from bot.domain.reminders import SNOOZES


def _any_of(*patterns: str) -> re.Pattern[str]:
    return re.compile(f"^(?:{'|'.join(patterns)})$")


# The card's buttons, each valued with the incident's number.
STATUS_PREFIX = "incident.status."  # + a status: `incident.status.identified`
CLOSE = "incident.close"
REOPEN = "incident.reopen"
DRAFT = "incident.draft"  # also on a reminder
TAKE_LEAD = "incident.take_lead"  # an incident a rule declared: its lead is its source until then
CARD_BLOCK = "incident.card"
ALERTS_RESOLVED_BLOCK = "incident.alerts_resolved"  # the card's buttons once every alert attached resolved
CARD_ACTIONS = re.compile(
    rf"^(?:{re.escape(STATUS_PREFIX)}[a-z]+|{re.escape(CLOSE)}|{re.escape(REOPEN)}|{re.escape(DRAFT)}"
    rf"|{re.escape(TAKE_LEAD)})$"
)

# The security prompt under a draft of an incident nobody assessed yet, each valued with the
# incident's number: `incident.assess.no-evidence`, `.suspected`, `.not-relevant`.
ASSESS_PREFIX = "incident.assess."
ASSESS_BLOCK = "incident.assess"
PROMPTED_ASSESSMENTS = (Attack.NO_EVIDENCE, Attack.SUSPECTED, Attack.NOT_RELEVANT)
ASSESS_ACTIONS = _any_of(*(re.escape(f"{ASSESS_PREFIX}{attack.value}") for attack in PROMPTED_ASSESSMENTS))

# A triage message's buttons and select (INCIDENT_ALERT_CHANNEL), each valued `<group>:<version>`,
# the select's options `<group>:<version>:<number>` (`triage_value`).
DECLARE_ALERTS = "alerts.declare"
ADD_ALERTS = "alerts.add"
DISMISS_ALERTS = "alerts.dismiss"
TRIAGE_BLOCK = "alerts.triage"
TRIAGE_ACTIONS = _any_of(*map(re.escape, (DECLARE_ALERTS, ADD_ALERTS, DISMISS_ALERTS)))

# Under the reply to `/incident private` when the incident's channel is public, valued with its number.
MOVE_PRIVATE = "incident.move_private"

# A reminder's buttons (but Draft update), each valued `<number>:<version>` (`reminder_value`).
SNOOZE_PREFIX = "reminder.snooze."  # + minutes: `reminder.snooze.15`
NO_UPDATE = "reminder.no_update"
REMINDER_BLOCK = "incident.reminder"
REMINDER_ACTIONS = _any_of(rf"{re.escape(SNOOZE_PREFIX)}\d{{1,3}}", re.escape(NO_UPDATE))

# A draft's buttons, each valued with the draft's id; Correct is under a published update.
PUBLISH = "draft.publish"
EDIT = "draft.edit"
DISCARD = "draft.discard"
CORRECT = "draft.correct"
DRAFT_ACTIONS = _any_of(*map(re.escape, (PUBLISH, EDIT, DISCARD, CORRECT)))

# A page's buttons in the direct message it sends, each valued with the page's id.
ACKNOWLEDGE_PAGE = "page.acknowledge"
DECLINE_PAGE = "page.decline"
PAGE_BLOCK = "incident.page"
PAGE_ACTIONS = _any_of(re.escape(ACKNOWLEDGE_PAGE), re.escape(DECLINE_PAGE))

# The buttons under "nobody answered" in the incident channel, each valued with the request's id.
PAGE_AGAIN = "page.again"
PAGE_SOMEONE_ELSE = "page.someone_else"
UNANSWERED_BLOCK = "incident.page_unanswered"
UNANSWERED_ACTIONS = _any_of(re.escape(PAGE_AGAIN), re.escape(PAGE_SOMEONE_ELSE))

# Modals (callback ids) and their inputs (block ids; every input's action id is INPUT).
OPEN_MODAL = "incident.open"
EDIT_MODAL = "draft.edit"
CORRECT_MODAL = "draft.correct"
INPUT = "value"
TITLE_INPUT = "title"
SEVERITY_INPUT = "severity"
PRIVATE_INPUT = "private"
PRIVATE_OPTION = "private"  # the value of the open modal's Private box
COMPONENTS_INPUT = "components"  # the open modal's catalog components (each option's value: its id)
COMPONENT_STATE_INPUT = "component_state"  # how badly they are affected (a ComponentState's value)
TEXT_INPUT = "text"  # a draft's words
PAGE_MODAL = "incident.page_picker"  # *Page someone else*'s picker
PAGE_PEOPLE_INPUT = "page_people"  # its people (a multi_users_select)
PAGE_COMPONENTS_INPUT = "page_components"  # its components' on-call groups (each option's value: the id)

# The shortcuts (their callback ids are also in manifest.json).
ADD_TO_TIMELINE = "incident.add_to_timeline"  # a message's: copy it to its incident's timeline
DECLARE_FROM_MESSAGE = "incident.declare_from_message"  # a message's: the open modal, prefilled from it
DECLARE = "incident.declare"  # the lightning menu's: the open modal

# The App Home's button: the open modal, as the lightning menu's shortcut opens it.
HOME_DECLARE = "home.declare"


def status_action(status: Status) -> str:
    return f"{STATUS_PREFIX}{status.value}"


def assess_action(attack: Attack) -> str:
    return f"{ASSESS_PREFIX}{attack.value}"


def assessment(action_id: str) -> Attack | None:
    """`incident.assess.suspected` -> suspected; only the assessments the prompt offers."""
    return next((attack for attack in PROMPTED_ASSESSMENTS if action_id == assess_action(attack)), None)


def snooze_action(length: timedelta) -> str:
    return f"{SNOOZE_PREFIX}{int(length.total_seconds() // 60)}"


def snooze_length(action_id: str) -> timedelta | None:
    """`reminder.snooze.15` -> 15 minutes; only the lengths the buttons offer (None for others)."""
    for length in SNOOZES:
        if action_id == snooze_action(length):
            return length
    return None


def reminder_value(number: int, version: int) -> str:
    """A reminder button's value: the incident and its schedule's version, so a click on an
    answered reminder finds another version and changes nothing."""
    return f"{number}:{version}"


def read_reminder_value(value: object) -> tuple[int, int] | None:
    """`"7:12"` -> (7, 12); anything else (a forged or damaged value) -> None."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    number, _, version = value.partition(":")
    if not (number.isascii() and number.isdigit() and version.isascii() and version.isdigit()):
        return None
    return int(number), int(version)


def triage_value(group_id: int, version: int, number: int | None = None) -> str:
    """A triage button's value (`12:0`), or an *Add to incident* option's (`12:0:7`): the group and
    the version of its triage the message showed, so a click on a decided message changes nothing."""
    return f"{group_id}:{version}" if number is None else f"{group_id}:{version}:{number}"


def read_triage_value(value: object) -> tuple[int, int, int | None] | None:
    """`"12:0"` -> (12, 0, None), `"12:0:7"` -> (12, 0, 7); anything else (forged, damaged) -> None."""
    if not isinstance(value, str) or len(value) > 60:
        return None
    parts = value.split(":")
    if len(parts) not in (2, 3) or not all(part.isascii() and part.isdigit() and len(part) <= 18 for part in parts):
        return None
    numbers = [int(part) for part in parts]
    return numbers[0], numbers[1], numbers[2] if len(numbers) == 3 else None
