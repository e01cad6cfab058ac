"""Bolt listeners, thin: read the request, run it, acknowledge, then wake the sender.

Every request is read into a typed value (`bot.slack.shapes`) by the first middleware; a
listener takes that value from Bolt's context and never indexes the raw body.

With `process_before_response=True` the HTTP response leaves when a listener returns, so a
listener does only the database transaction and `ack()`. Slack work goes through the outbox
(`notify`); ephemeral follow-ups go through the responder. Nothing after `ack()` can raise.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Protocol

from slack_bolt import Ack, App, BoltContext, BoltResponse

from bot import metrics
from bot.domain.incident import DEFAULT_SEVERITY, Status
from bot.errors import UsageError, UserError
from bot.reading import Malformed
from bot.render import actions, blocks
from bot.slack import commands, parse, shapes, usage
from bot.slack.group_shapes import UserGroupChanged, UserGroupMembersChanged
from bot.slack.run import CommandRunner, Reply

log = logging.getLogger(__name__)

PIN_REACTION = "pushpin"
UNEXPECTED = (
    "Slack sent something this bot did not expect, so nothing was changed. Try again; if it happens "
    "again, tell whoever runs the bot (the details are in its log)."
)


class AfterAck(Protocol):
    """What a listener hands over once it has acknowledged."""

    def notify(self) -> None: ...  # there is new outbox work

    def respond(self, response_url: str | None, messages: list[dict[str, Any]]) -> None: ...


def register_reading(app: App, after: AfterAck) -> None:
    """Registered first: every request is read into its typed value (`bot.slack.shapes`) before
    any listener matches, and left in Bolt's context for the listener. An unreadable request is
    logged once as a warning with the field's path, and answered here: in the modal or at the
    response URL when someone is waiting, else 400. Nothing is stored."""

    @app.middleware
    def read_request(body: dict[str, Any], context: BoltContext, next: Callable[[], None]) -> BoltResponse | None:
        try:
            context[shapes.INCOMING] = shapes.read(body)
        except Malformed as malformed:
            return _unreadable(body, malformed, after)
        next()
        return None


def register(app: App, runner: CommandRunner, after: AfterAck) -> None:
    service = runner.service

    @app.command("/incident")
    def incident_command(ack: Ack, context: BoltContext) -> None:
        command = shapes.incoming(context, shapes.SlashCommand)
        text, asked = command.text, command.asked
        reply = _run(lambda: runner.run(parse.parse(text), asked), subcommand=_first_word(text))
        ack(**reply.message)
        _hand_over(after, asked.response_url, reply.followups)

    @app.action({"type": "block_actions", "action_id": actions.CARD_ACTIONS})
    def card_button(ack: Ack, context: BoltContext) -> None:
        ack()
        pressed = shapes.incoming(context, shapes.ButtonPress)
        reply = _run(lambda: runner.run(_button_command(pressed), pressed.asked), label="button")
        _hand_over(after, pressed.asked.response_url, [reply.message, *reply.followups])

    @app.view(actions.OPEN_MODAL)
    def open_modal_submitted(ack: Ack, context: BoltContext) -> None:
        submitted = shapes.incoming(context, shapes.ModalSubmission)
        title = submitted.input(actions.TITLE_INPUT).value
        severity = _number(submitted.input(actions.SEVERITY_INPUT).selected) or DEFAULT_SEVERITY
        private = actions.PRIVATE_OPTION in submitted.input(actions.PRIVATE_INPUT).ticked
        asked = replace(submitted.asked, channel_id=submitted.metadata or None)  # where /incident open was typed
        command = commands.Open(severity=severity, title=title, at=None, private=private)

        def open_titled() -> object:
            if not title.strip():  # the modal's own field: never answered by another modal
                raise UsageError("Give the incident a title: what is broken, in a few words.")
            return runner.run(command, asked)

        _submit(ack, after, actions.TITLE_INPUT, open_titled)

    @app.shortcut(actions.ADD_TO_TIMELINE)
    def add_to_timeline(ack: Ack, context: BoltContext) -> None:
        ack()
        shortcut = shapes.incoming(context, shapes.MessageShortcut)
        message, asked = shortcut.message, shortcut.asked

        def add() -> Reply:
            runner.ensure_can_change(asked.user_id)
            added = service.add_message(
                channel_id=asked.channel_id or "",
                author=message.author.id,
                bot_name=message.author.bot_name,
                text=message.words,
                message_ts=message.ts,
                added_by=asked.user_id,
            )
            if added is None:
                return Reply(blocks.reply("That message is already on the timeline."))
            return Reply(blocks.reply(f"Added to the {added.incident.name} timeline."))

        reply = _run(add, label="shortcut")
        _hand_over(after, asked.response_url, [reply.message])

    @app.event("reaction_added")
    def pushpin(ack: Ack, context: BoltContext) -> None:
        reaction = shapes.incoming(context, shapes.Reaction)
        channel, ts = reaction.channel_id, reaction.ts
        pinned = reaction.reaction == PIN_REACTION and reaction.item_type == "message"
        if not (pinned and channel and ts and service.is_incident_channel(channel)):
            metrics.EVENTS_IGNORED.labels(type="reaction_added").inc()
            ack()
            return
        with metrics.acknowledging("pushpin") as outcome:
            try:
                runner.ensure_can_change(reaction.user_id)
                service.request_message(
                    channel_id=channel, ts=ts, requested_by=reaction.user_id, event_id=reaction.event_id
                )
            except UserError as error:
                outcome.value = "refused"
                log.info("pushpin by %s ignored: %s", reaction.user_id, error.message)
            ack()
        _hand_over(after)

    @app.action({"type": "block_actions", "action_id": actions.DRAFT_ACTIONS})
    def draft_button(ack: Ack, context: BoltContext) -> None:
        ack()
        pressed = shapes.incoming(context, shapes.ButtonPress)
        asked, decision = pressed.asked, pressed.action_id
        draft_id = _number(pressed.value) or 0

        def decide() -> Reply:
            runner.ensure_can_change(asked.user_id)
            if decision in (actions.EDIT, actions.CORRECT):
                runner.drafts.request_edit_modal(
                    draft_id, trigger_id=str(asked.trigger_id), correcting=decision == actions.CORRECT
                )
                return Reply({})
            if decision == actions.DISCARD:
                runner.drafts.discard(draft_id, actor=asked.user_id)
                return Reply(blocks.reply("Draft discarded."))
            runner.drafts.publish(draft_id, actor=asked.user_id)
            return Reply(blocks.reply(f"Published to <#{runner.settings.status_channel}>."))

        reply = _run(decide, label="draft_button")
        _hand_over(after, asked.response_url, [reply.message])

    @app.action({"type": "block_actions", "action_id": actions.REMINDER_ACTIONS})
    def reminder_button(ack: Ack, context: BoltContext) -> None:
        ack()
        pressed = shapes.incoming(context, shapes.ButtonPress)
        reply = _run(lambda: runner.answer_reminder(pressed.action_id, pressed.value, pressed.asked), label="reminder")
        _hand_over(after, pressed.asked.response_url, [reply.message])

    @app.view(actions.EDIT_MODAL)
    @app.view(actions.CORRECT_MODAL)
    def draft_edited(ack: Ack, context: BoltContext) -> None:
        submitted = shapes.incoming(context, shapes.ModalSubmission)
        text, user = submitted.input(actions.TEXT_INPUT).value, submitted.asked.user_id
        draft_id = _number(submitted.metadata) or 0
        save_as = runner.drafts.correct if submitted.callback_id == actions.CORRECT_MODAL else runner.drafts.edit

        def save() -> None:
            runner.ensure_can_change(user)
            save_as(draft_id, actor=user, text=text)

        _submit(ack, after, actions.TEXT_INPUT, save)


def register_member_events(app: App, learn: Callable[[shapes.SlackUser], object]) -> None:
    """`user_change` and `team_join`: store the member at once (a member turned guest is refused
    from now on). Acknowledged only once stored, so Slack redelivers what could not be stored."""

    @app.event("user_change")
    @app.event("team_join")
    def member_changed(ack: Ack, context: BoltContext) -> None:
        learn(shapes.incoming(context, shapes.MemberChanged).user)
        ack()


def register_group_events(app: App, learn: Callable[[UserGroupChanged | UserGroupMembersChanged], object]) -> None:
    """`subteam_created`, `subteam_updated` and `subteam_members_changed`: the user groups pages
    reach, stored at once (an on-call schedule handing over). Acknowledged only once stored."""

    @app.event("subteam_created")
    @app.event("subteam_updated")
    def group_changed(ack: Ack, context: BoltContext) -> None:
        learn(shapes.incoming(context, UserGroupChanged))
        ack()

    @app.event("subteam_members_changed")
    def group_members_changed(ack: Ack, context: BoltContext) -> None:
        learn(shapes.incoming(context, UserGroupMembersChanged))
        ack()


def register_every_other_event(app: App) -> None:
    """Slack expects 200 for every event delivery, and retries (then disables the subscription)
    otherwise: events the bot does not act on are acknowledged, logged at debug and counted in
    /metrics; `app_rate_limited` (Slack dropped events for a minute) is logged as a warning.
    Registered last: listeners match in the order they were registered."""

    @app.middleware
    def rate_limited(context: BoltContext, next: Callable[[], None]) -> BoltResponse | None:
        limited = context.get(shapes.INCOMING)
        if not isinstance(limited, shapes.RateLimited):
            next()
            return None
        minute = limited.minute
        when = datetime.fromtimestamp(minute, UTC).strftime("%Y-%m-%d %H:%M UTC") if minute else "an unknown minute"
        log.warning("Slack rate-limited event deliveries to this app in the minute of %s: events were dropped", when)
        metrics.EVENTS_IGNORED.labels(type="app_rate_limited").inc()
        return BoltResponse(status=200, body="")

    @app.event(re.compile(r".*"))
    def any_other_event(ack: Ack, context: BoltContext) -> None:
        kind = shapes.incoming(context, shapes.OtherEvent).type
        log.debug("event %s acknowledged; the bot does not act on it", kind)
        metrics.EVENTS_IGNORED.labels(type=kind if re.fullmatch(r"[a-z_]{1,40}", kind) else "unknown").inc()
        ack()


def _submit(ack: Ack, after: AfterAck, field: str, action: Callable[[], object]) -> None:
    """A modal submission: errors are shown in the modal under `field`, success closes it."""
    with metrics.acknowledging("modal") as outcome:
        try:
            action()
        except UserError as error:
            outcome.value = "refused"
            ack(response_action="errors", errors={field: error.message})
            return
        except Exception:  # noqa: BLE001  (the request boundary: logged with a reference in _log_unexpected)
            outcome.value = "error"
            reference = _log_unexpected("modal submission")
            ack(response_action="errors", errors={field: f"Something went wrong on our side (ref {reference})."})
            return
        ack()
    _hand_over(after)


def _unreadable(body: dict[str, Any], malformed: Malformed, after: AfterAck) -> BoltResponse:
    """The answer to a request the reading middleware could not read (see `register_reading`)."""
    described = shapes.described(body, malformed)
    log.warning("Slack sent a request this bot did not expect: %s", described)
    waiting = shapes.waiting(body)
    if waiting is not None and waiting.modal:
        answer = {"response_action": "update", "view": blocks.notice_modal(UNEXPECTED)}
        return BoltResponse(status=200, body=json.dumps(answer), headers={"content-type": "application/json"})
    if waiting is not None and waiting.response_url:
        _hand_over(after, waiting.response_url, [blocks.error_reply(UNEXPECTED)])
        return BoltResponse(status=200, body="")
    return BoltResponse(status=400, body=json.dumps({"error": described}))


def _hand_over(after: AfterAck, response_url: str | None = None, messages: list[dict[str, Any]] | None = None) -> None:
    """After ack(): wake the sender and queue follow-ups. Never raises: with
    process_before_response, an exception here would turn the acknowledged request into an error."""
    try:
        after.notify()
        if messages:
            after.respond(response_url, messages)
    except Exception:
        log.exception("handing over after the ack failed; the worker will send pending Slack work")


def _number(text: object) -> int | None:
    """A number Slack hands back to us (button value, view metadata), None if it is not one."""
    if isinstance(text, str) and 0 < len(text) <= 18 and text.isascii() and text.isdigit():
        return int(text)
    return None


def _button_command(pressed: shapes.ButtonPress) -> commands.Command:
    """A card button is the same command as its slash form, with the same rules."""
    action_id, number = pressed.action_id, _number(pressed.value)
    if action_id.startswith(actions.STATUS_PREFIX):
        status = next((s for s in Status if action_id == actions.status_action(s)), None)
        if status is None:  # a status this bot has no button for
            raise Malformed("actions[0].action_id", f"is {action_id!r}, no button this bot renders")
        if status is Status.RESOLVED:
            return commands.Close(incident=number, summary="", at=None)
        return commands.SetStatus(incident=number, status=status, message="", at=None)
    if action_id == actions.CLOSE:
        return commands.Close(incident=number, summary="", at=None)
    if action_id == actions.REOPEN:
        return commands.Reopen(incident=number, reason="")
    return commands.WriteDrafts(incident=number, language=None, length=None)


def _run(action: Callable[[], Reply], *, subcommand: str = "", label: str = "") -> Reply:
    """Run a request; known refusals become the reply, anything else is logged with a reference.

    Counted and timed in /metrics under `label` (a slash command's own subcommand by default)."""
    with metrics.acknowledging(label or _command_label(subcommand)) as outcome:
        try:
            return action()
        except Malformed as malformed:
            outcome.value = "refused"
            log.warning("Slack sent a %s this bot did not expect: %s", label or "command", malformed)
            return Reply(blocks.error_reply(UNEXPECTED))
        except UsageError as error:
            outcome.value = "refused"
            how = error.usage or usage.USAGE.get(subcommand, "")
            return Reply(blocks.error_reply(error.message, how))
        except UserError as error:
            outcome.value = "refused"
            return Reply(blocks.error_reply(error.message))
        except Exception:  # noqa: BLE001  (the request boundary: logged with a reference in _log_unexpected)
            outcome.value = "error"
            reference = _log_unexpected(subcommand or "request")
            return Reply(
                blocks.error_reply(f"Something went wrong on our side and nothing was changed. Reference: {reference}.")
            )


def _command_label(subcommand: str) -> str:
    """A metric label from what was typed: known subcommands only, so the label set stays small."""
    if not subcommand:
        return "help"
    return subcommand if subcommand in usage.USAGE else "unknown"


def _log_unexpected(what: str) -> str:
    reference = uuid.uuid4().hex[:8]
    log.exception("unexpected error in %s (ref %s at %s)", what, reference, datetime.now(UTC).isoformat())
    return reference


def _first_word(text: str) -> str:
    words = text.split(maxsplit=1)
    return words[0].lower() if words else ""
