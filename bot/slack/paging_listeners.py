"""Listeners of paging's buttons (docs/behaviour.md, Paging): *Acknowledge* and *Can't take it* in
a page's direct message, *Page again* and *Page someone else* under "nobody acknowledged the page".

Each acknowledges at once, then runs (`CommandRunner.answer_page`, `answer_unanswered`: one
transaction) and answers through the response URL, only to the person who pressed.
"""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext

from bot.render import actions
from bot.slack import shapes
from bot.slack.answers import AfterAck, hand_over, run_reply
from bot.slack.run import CommandRunner


def register_paging(app: App, runner: CommandRunner, after: AfterAck) -> None:
    @app.action({"type": "block_actions", "action_id": actions.PAGE_ACTIONS})
    def page_button(ack: Ack, context: BoltContext) -> None:
        ack()
        pressed = shapes.incoming(context, shapes.ButtonPress)
        reply = run_reply(lambda: runner.answer_page(pressed.action_id, pressed.value, pressed.asked), label="page")
        hand_over(after, pressed.asked.response_url, [reply.message])

    @app.action({"type": "block_actions", "action_id": actions.UNANSWERED_ACTIONS})
    def unanswered_button(ack: Ack, context: BoltContext) -> None:
        ack()
        pressed = shapes.incoming(context, shapes.ButtonPress)
        reply = run_reply(
            lambda: runner.answer_unanswered(pressed.action_id, pressed.value, pressed.asked), label="page"
        )
        hand_over(after, pressed.asked.response_url, [reply.message])
