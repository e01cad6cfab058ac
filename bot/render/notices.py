"""What the bot posts after the fire, as Slack mrkdwn (docs/behaviour.md, After the fire): the
reminder to the owner of an overdue follow-up and to the lead of a retrospective still to do.
Each mentions its one person on purpose; the text around it is escaped."""

from __future__ import annotations

from datetime import date

from bot.domain.aftermath import RETRO_REMINDER_WORKING_DAYS
from bot.domain.alerts import is_source
from bot.domain.incident import Incident
from bot.domain.markup import escape, for_slack
from bot.domain.retro import FollowUp


def follow_up_reminder(follow_up: FollowUp, incident_name: str, today: date) -> str:
    """The reminder to the owner of an overdue follow-up (mrkdwn: the owner is mentioned on purpose,
    the text is escaped)."""
    assert follow_up.owner is not None and follow_up.due is not None
    late = (today - follow_up.due).days
    return (
        f"<@{follow_up.owner}> follow-up #{follow_up.id} of {incident_name} was due {follow_up.due.isoformat()} "
        f"({late} day{'s' if late != 1 else ''} ago): {for_slack(follow_up.text)}\n"
        f"When it is done: `/incident followup done {follow_up.id}`."
    )


def retro_reminder(incident: Incident) -> str:
    """The reminder to the lead of a resolved incident whose retrospective is still to do."""
    said = (
        f"the retrospective of {incident.name} is still to do, {RETRO_REMINDER_WORKING_DAYS} working days after "
        "the close. `/incident retro` builds it from the record; `/incident retro done` or "
        "`/incident retro waived <reason>` records the decision."
    )
    lead = "Nobody leads it:" if is_source(incident.lead) else f"<@{incident.lead}>"
    return f"{lead} {escape(said)}"
