"""The App Home's listeners (docs/behaviour.md, The App Home): `app_home_opened` records the viewer
and queues their Home's publish (acknowledged once stored: Slack redelivers what could not be), and
the Home's *Declare incident* button opens the open modal as the lightning menu's shortcut does."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext

from bot import metrics
from bot.declare import DeclareService
from bot.home import HomeService
from bot.render import actions
from bot.slack import shapes
from bot.slack.answers import AfterAck, hand_over
from bot.slack.declaring import declare_for
from bot.slack.home_shapes import HOME_TAB, HomeOpened
from bot.slack.run import CommandRunner


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
