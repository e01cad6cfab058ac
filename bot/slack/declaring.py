"""Listeners that declare an incident: the message shortcut *Declare incident from message* and
the global shortcut *Declare incident* (docs/behaviour.md, Declaring an incident).

Both acknowledge at once and record the open modal for right after the ack (`DeclareService`);
the modal's submission is the open modal's own listener (`bot.slack.listeners`), which reads what
was carried in the modal's metadata back with `opened_from`. Guests and deactivated accounts are
refused as for `/incident open`: at the shortcut's response URL, or in a modal from the lightning
menu (which has none). A message shortcut that names no conversation (Slack always names one) is
refused at its response URL: nobody could tell whether the message is private.
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext

from bot import metrics
from bot.declare import DeclareService
from bot.domain.declared import SourceMessage
from bot.errors import UserError
from bot.reading import Malformed
from bot.render import actions, open_metadata
from bot.render.open_metadata import OpenedFrom
from bot.slack import shapes
from bot.slack.answers import AfterAck, hand_over, log_unexpected, run_reply
from bot.slack.run import CommandRunner, Reply
from bot.slack.shapes import Invocation

log = logging.getLogger(__name__)

NO_CONVERSATION = (
    "Slack did not say which conversation this message is in, so the bot cannot tell whether it is "
    "private: nothing was opened. Use `/incident open` (with `--private` if the message is private)."
)


def register_declaring(app: App, runner: CommandRunner, declaring: DeclareService, after: AfterAck) -> None:
    @app.shortcut(actions.DECLARE_FROM_MESSAGE)
    def declare_from_message(ack: Ack, context: BoltContext) -> None:
        ack()
        shortcut = shapes.incoming(context, shapes.MessageShortcut)
        message, asked = shortcut.message, shortcut.asked

        def request() -> Reply:
            runner.ensure_can_change(asked.user_id)
            if not asked.channel_id:
                raise UserError(NO_CONVERSATION)
            source = SourceMessage(
                channel_id=asked.channel_id,
                ts=message.ts,
                author=message.author.id,
                text=message.words,
                bot_name=message.author.bot_name,
            )
            declaring.request_modal(
                team_id=asked.team_id,
                trigger_id=trigger_of(asked),
                channel_id=asked.channel_id,
                response_url=asked.response_url,
                message=source,
            )
            return Reply({})

        reply = run_reply(request, label="shortcut")
        hand_over(after, asked.response_url, [reply.message])

    @app.shortcut(actions.DECLARE)
    def declare(ack: Ack, context: BoltContext) -> None:
        ack()
        declare_for(runner, declaring, after, shapes.incoming(context, shapes.GlobalShortcut).asked)


def declare_for(runner: CommandRunner, declaring: DeclareService, after: AfterAck, asked: Invocation) -> None:
    """The open modal for someone asking from where no message can answer (the lightning menu, the
    App Home): a refusal is a modal too. Called after the ack; never raises."""
    with metrics.acknowledging("declare") as outcome:
        try:
            trigger_id = trigger_of(asked)
            try:
                runner.ensure_can_change(asked.user_id)
                declaring.request_modal(team_id=asked.team_id, trigger_id=trigger_id)
            except UserError as refused:
                outcome.value = "refused"
                declaring.tell_in_modal(team_id=asked.team_id, trigger_id=trigger_id, text=refused.message)
        except Malformed as malformed:  # nobody to tell: no trigger, no response URL
            outcome.value = "refused"
            log.warning("Slack sent a shortcut this bot did not expect: %s", malformed)
            return
        except Exception:  # noqa: BLE001  (the request boundary: nobody can be told; logged)
            outcome.value = "error"
            log_unexpected("declare")
            return
    hand_over(after)


def trigger_of(asked: Invocation) -> str:
    """The trigger a modal is opened with; an interaction without one is not what Slack sends."""
    if not asked.trigger_id:
        raise Malformed("trigger_id", "is missing: no modal can be opened")
    return asked.trigger_id


def opened_from(metadata: str) -> OpenedFrom:
    """Where the open modal was asked for, as written in its metadata (bot.render.open_metadata)."""
    try:
        return open_metadata.read(metadata)
    except ValueError as garbled:
        raise Malformed("view.private_metadata", str(garbled)) from None
