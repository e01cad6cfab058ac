"""Listeners of a triage message in INCIDENT_ALERT_CHANNEL: its buttons and its select -> the
triage service -> the reply only the person who clicked sees (docs/behaviour.md, Alerts). The App
Home shows the same buttons for the groups waiting: the same listener answers them there
(`answer_pressed`: a refusal in a modal).

Members only, as every other button: a guest's click is refused before anything is read or
stored. A click on a message already decided is refused by the service, saying what happened.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, App, BoltContext

from bot.domain.markup import escape, for_slack
from bot.errors import UsageError
from bot.home import HomeService
from bot.render import actions, blocks
from bot.slack import shapes
from bot.slack.answers import AfterAck, run_reply
from bot.slack.home_listeners import answer_pressed
from bot.slack.run import CommandRunner, Reply
from bot.slack.shapes import ButtonPress
from bot.triage import AlertTriage


def register_triage(app: App, runner: CommandRunner, triage: AlertTriage, homes: HomeService, after: AfterAck) -> None:
    @app.action({"type": "block_actions", "action_id": actions.TRIAGE_ACTIONS})
    def triage_button(ack: Ack, context: BoltContext) -> None:
        ack()
        pressed = shapes.incoming(context, shapes.ButtonPress)

        def answer() -> Reply:
            return answer_triage(
                pressed, triage, ensure_can_change=runner.ensure_can_change, opened_text=runner.opened_text
            )

        answer_pressed(after, homes, pressed, run_reply(answer, label="alerts"))


def answer_triage(
    pressed: ButtonPress,
    triage: AlertTriage,
    *,
    ensure_can_change: Callable[[str], None],
    opened_text: Callable[..., str],
) -> Reply:
    asked = pressed.asked
    ensure_can_change(asked.user_id)
    if not pressed.value:
        raise UsageError("That button carries nothing I can read; use the buttons of the message in the alert channel.")
    if pressed.action_id == actions.DECLARE_ALERTS:
        changed = triage.declare(
            team_id=asked.team_id,
            value=pressed.value,
            actor=asked.user_id,
            response_url=asked.response_url,
            channel_id=asked.channel_id,
        )
        return Reply(blocks.reply(opened_text(changed)))
    if pressed.action_id == actions.ADD_ALERTS:
        incident = triage.add(team_id=asked.team_id, value=pressed.value, actor=asked.user_id)
        return Reply(blocks.reply(f"Added these alerts to *{incident.name}*: {for_slack(incident.title)}."))
    group = triage.dismiss(team_id=asked.team_id, value=pressed.value, actor=asked.user_id)
    return Reply(
        blocks.reply(f"Dismissed “{escape(group.summary)}”: no incident. The alert message says you decided so.")
    )
