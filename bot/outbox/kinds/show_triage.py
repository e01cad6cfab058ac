"""alerts.triage: a group of alerts' message in INCIDENT_ALERT_CHANNEL, posted once and then edited
in place, as the group is when sent (docs/behaviour.md, Alerts).

Sent in the group's own queue (`alert_group_id`), so the message is posted before any edit and a
later effect never posts a second one; a later pending one makes an older one redundant. Every
triage message goes to one channel, so they keep that channel's pace together (`one_channel`), a
group's first message before any waiting edit of another's (`posts_first`: a new alert is seen
first). Once the group is declared as an incident, one more edit waits in the incident's queue
(`edit_only`): sent after the incident's channel exists, it links to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sqlmodel import Session

from bot.domain.alerts import Triage
from bot.outbox.effect import Effect, Sending
from bot.outbox.results import Nothing, Result
from bot.outbox.slack_calls import post_joining, posted_before
from bot.render.triage import triage_message
from bot.storage import alerts


@dataclass(frozen=True)
class TriagePosted(Result):
    """The group's message: its ts, kept with the group so that every later change edits it."""

    alert_group_id: int
    ts: str

    def remember(self, session: Session, incident_id: int | None) -> None:
        alerts.set_message(session=session, group_id=self.alert_group_id, ts=self.ts)


@dataclass(frozen=True)
class ShowTriage(Effect):
    kind: ClassVar[str] = "alerts.triage"
    superseded_by_later: ClassVar[bool] = True
    one_channel: ClassVar[bool] = True
    posts_first: ClassVar[bool] = True  # a new group's message before the edits of older ones'
    shows_on_home: ClassVar[bool] = True  # the App Home lists the groups waiting for triage
    alert_group_id: int
    # Queued behind an incident's work instead (its channel is created first, so the message can
    # link to it): it only edits a message its group's own queue posted.
    edit_only: bool = False

    def send(self, slack: Sending) -> Result:
        channel = slack.settings.alert_channel
        if channel is None:
            return Nothing(note="no INCIDENT_ALERT_CHANNEL")
        view = slack.alert_group()
        if view.group.triage is Triage.IGNORED:
            return Nothing(note="ignored by a rule")
        text, message = triage_message(view, slack.settings.zone)
        if self.edit_only and view.group.message_ts is None:
            return Nothing(note="not posted yet: its group's own queue posts it")
        ts = view.group.message_ts or posted_before(slack.client, channel, slack.attempt).ts(slack.attempt.effect_id)
        if ts is not None:
            slack.client.chat_update(channel=channel, ts=ts, text=text, blocks=message)
            return Nothing() if view.group.message_ts else TriagePosted(self.alert_group_id, ts)
        ts = post_joining(slack.client, channel, text=text, blocks=message, metadata=slack.attempt.metadata())
        return TriagePosted(self.alert_group_id, ts)
