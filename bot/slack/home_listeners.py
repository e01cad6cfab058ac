"""The App Home's listeners (docs/behaviour.md, The App Home): `app_home_opened` records the viewer
and queues their Home's publish (acknowledged once stored: Slack redelivers what could not be), and
the Home's *Declare incident* button opens the open modal as the lightning menu's shortcut does.

The Home's other buttons (a page's *Acknowledge*, an alert group's) are their messages' own
listeners', which answer through `answer_pressed`: pressed on the Home, a refusal is told in a modal
(the Home has no response URL) and the person's Home is published again.
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext

from bot import metrics
from bot.declare import DeclareService
from bot.home import HomeService
from bot.render import actions
from bot.slack import shapes
from bot.slack.answers import AfterAck, hand_over
from bot.slack.declaring import declare_for
from bot.slack.home_shapes import HOME_TAB, HomeOpened
from bot.slack.run import CommandRunner, Reply
from bot.slack.shapes import ButtonPress

log = logging.getLogger(__name__)


def register_home(
    app: App, runner: CommandRunner, declaring: DeclareService, homes: HomeService, after: AfterAck
) -> None:
    @app.event("app_home_opened")
    def home_opened(ack: Ack, context: BoltContext) -> None:
        opened = shapes.incoming(context, HomeOpened)
        if opened.tab != HOME_TAB:  # the Messages tab: nothing to publish
            metrics.EVENTS_IGNORED.labels(type="app_home_opened").inc()
            ack()
            return
        with metrics.acknowledging("home"):
            homes.opened(team_id=opened.team_id, user_id=opened.user_id)
        ack()
        hand_over(after)

    @app.action(actions.HOME_DECLARE)
    def declare_from_home(ack: Ack, context: BoltContext) -> None:
        ack()
        declare_for(runner, declaring, after, shapes.incoming(context, shapes.ButtonPress).asked)


def answer_pressed(after: AfterAck, homes: HomeService, pressed: ButtonPress, reply: Reply) -> None:
    """After the ack: the reply to a button, at its response URL; pressed on the App Home, which has
    none, a refusal is told in a modal (`HomeService.refused`) and the Home published again.
    Never raises."""
    asked = pressed.asked
    if not pressed.in_home:
        hand_over(after, asked.response_url, [reply.message])
        return
    if reply.refused:  # a success shows on the Home itself, published again after the change
        try:
            text = str(reply.message.get("text") or "")
            homes.refused(team_id=asked.team_id, user_id=asked.user_id, trigger_id=asked.trigger_id, text=text)
        except Exception:
            log.exception("telling someone why their App Home's button did nothing failed")
    hand_over(after)
