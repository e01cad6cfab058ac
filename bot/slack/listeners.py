"""Bolt listeners, thin: read the request, run it, acknowledge, then wake the sender.

With `process_before_response=True` the HTTP response leaves when a listener returns, so a
listener does only the database transaction and `ack()`. Slack work goes through the outbox
(`notify`); ephemeral follow-ups go through the responder. Nothing after `ack()` can raise.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from slack_bolt import Ack, App, BoltResponse

from bot import metrics
from bot.domain.incident import Status
from bot.errors import UsageError, UserError
from bot.render import actions, blocks
from bot.slack import commands, copied, parse, usage
from bot.slack.run import CommandRunner, Invocation, Reply

log = logging.getLogger(__name__)

PIN_REACTION = "pushpin"


class AfterAck(Protocol):
    """What a listener hands over once it has acknowledged."""

    def notify(self) -> None: ...  # there is new outbox work

    def respond(self, response_url: str | None, messages: list[dict[str, Any]]) -> None: ...


def register(app: App, runner: CommandRunner, after: AfterAck) -> None:
    service = runner.service

    @app.command("/incident")
    def incident_command(ack: Ack, body: dict[str, Any]) -> None:
        asked = _invocation(body, channel_id=body.get("channel_id"))
        text = str(body.get("text", ""))
        reply = _run(lambda: runner.run(parse.parse(text), asked), subcommand=_first_word(text))
        ack(**reply.message)
        _hand_over(after, asked.response_url, reply.followups)

    @app.action({"type": "block_actions", "action_id": actions.CARD_ACTIONS})
    def card_button(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        action = body["actions"][0]
        asked = _invocation(body, channel_id=(body.get("channel") or {}).get("id"))

        def press() -> Reply:
            return runner.run(_button_command(action["action_id"], action.get("value", "")), asked)

        reply = _run(press, label="button")
        _hand_over(after, asked.response_url, [reply.message, *reply.followups])

    @app.view(actions.OPEN_MODAL)
    def open_modal_submitted(ack: Ack, body: dict[str, Any]) -> None:
        view = body["view"]
        values = view["state"]["values"]
        title = str((values.get(actions.TITLE_INPUT, {}).get(actions.INPUT, {}) or {}).get("value") or "")
        chosen = (values.get(actions.SEVERITY_INPUT, {}).get(actions.INPUT, {}) or {}).get("selected_option") or {}
        ticked = (values.get(actions.PRIVATE_INPUT, {}).get(actions.INPUT, {}) or {}).get("selected_options") or []
        private = any(isinstance(box, dict) and box.get("value") == actions.PRIVATE_OPTION for box in ticked)
        asked = _invocation(body, channel_id=view.get("private_metadata") or None)
        command = commands.Open(severity=_number(chosen.get("value")) or 2, title=title, at=None, private=private)

        def open_titled() -> object:
            if not title.strip():  # the modal's own field: never answered by another modal
                raise UsageError("Give the incident a title: what is broken, in a few words.")
            return runner.run(command, asked)

        _submit(ack, after, "title", open_titled)

    @app.shortcut(actions.ADD_TO_TIMELINE)
    def add_to_timeline(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        message = body.get("message") or {}
        asked = _invocation(body, channel_id=(body.get("channel") or {}).get("id"))

        def add() -> Reply:
            runner.ensure_can_change(asked.user_id)
            if not message.get("ts"):
                raise UsageError("Slack did not say which message that was; try the shortcut again.")
            author = copied.author_of(message)
            added = service.add_message(
                channel_id=asked.channel_id or "",
                author=author.id,
                bot_name=author.bot_name,
                text=copied.words_of(message),
                message_ts=str(message.get("ts")),
                added_by=asked.user_id,
            )
            if added is None:
                return Reply(blocks.reply("That message is already on the timeline."))
            return Reply(blocks.reply(f"Added to the {added.incident.name} timeline."))

        reply = _run(add, label="shortcut")
        _hand_over(after, asked.response_url, [reply.message])

    @app.event("reaction_added")
    def pushpin(ack: Ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        item = event.get("item") or {}
        channel = str(item.get("channel"))
        pinned = event.get("reaction") == PIN_REACTION and item.get("type") == "message" and bool(item.get("ts"))
        if not (pinned and service.is_incident_channel(channel)):
            metrics.EVENTS_IGNORED.labels(type="reaction_added").inc()
            ack()
            return
        with metrics.acknowledging("pushpin") as outcome:
            try:
                runner.ensure_can_change(str(event.get("user")))
                service.request_message(
                    channel_id=channel,
                    ts=str(item.get("ts")),
                    requested_by=str(event.get("user")),
                    event_id=body.get("event_id"),
                )
            except UserError as error:
                outcome.value = "refused"
                log.info("pushpin by %s ignored: %s", event.get("user"), error.message)
            ack()
        _hand_over(after)

    @app.action({"type": "block_actions", "action_id": actions.DRAFT_ACTIONS})
    def draft_button(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        action = body["actions"][0]
        asked = _invocation(body, channel_id=(body.get("channel") or {}).get("id"))
        draft_id = _number(action.get("value")) or 0
        decision = action["action_id"]

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
    def reminder_button(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        action = body["actions"][0]
        asked = _invocation(body, channel_id=(body.get("channel") or {}).get("id"))
        reply = _run(lambda: runner.answer_reminder(action["action_id"], action.get("value"), asked), label="reminder")
        _hand_over(after, asked.response_url, [reply.message])

    @app.view(actions.EDIT_MODAL)
    @app.view(actions.CORRECT_MODAL)
    def draft_edited(ack: Ack, body: dict[str, Any]) -> None:
        view = body["view"]
        text = str(
            ((view["state"]["values"].get(actions.TEXT_INPUT) or {}).get(actions.INPUT) or {}).get("value") or ""
        )
        user = str((body.get("user") or {}).get("id") or "")
        draft_id = _number(view.get("private_metadata")) or 0
        save_as = runner.drafts.correct if view.get("callback_id") == actions.CORRECT_MODAL else runner.drafts.edit

        def save() -> None:
            runner.ensure_can_change(user)
            save_as(draft_id, actor=user, text=text)

        _submit(ack, after, "text", save)


def register_member_events(app: App, learn: Callable[[dict[str, Any]], object]) -> None:
    """`user_change` and `team_join`: store the member at once (a member turned guest is refused
    from now on). Acknowledged only once stored, so Slack redelivers what could not be stored."""

    @app.event("user_change")
    @app.event("team_join")
    def member_changed(ack: Ack, event: dict[str, Any]) -> None:
        user = event.get("user")
        if isinstance(user, dict) and user.get("id"):
            learn(user)
        ack()


def register_every_other_event(app: App) -> None:
    """Slack expects 200 for every event delivery, and retries (then disables the subscription)
    otherwise: events the bot does not act on are acknowledged, logged at debug and counted in
    /metrics; `app_rate_limited` (Slack dropped events for a minute) is logged as a warning.
    Registered last: listeners match in the order they were registered."""

    @app.middleware
    def rate_limited(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
        if body.get("type") != "app_rate_limited":
            next()
            return None
        minute = body.get("minute_rate_limited")
        when = (
            datetime.fromtimestamp(int(minute), UTC).strftime("%Y-%m-%d %H:%M UTC") if minute else "an unknown minute"
        )
        log.warning("Slack rate-limited event deliveries to this app in the minute of %s: events were dropped", when)
        metrics.EVENTS_IGNORED.labels(type="app_rate_limited").inc()
        return BoltResponse(status=200, body="")

    @app.event(re.compile(r".*"))
    def any_other_event(ack: Ack, event: dict[str, Any]) -> None:
        kind = str(event.get("type") or "unknown")
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


def _button_command(action_id: str, value: str) -> commands.Command:
    """A card button is the same command as its slash form, with the same rules."""
    number = _number(value)
    if action_id.startswith(actions.STATUS_PREFIX):
        status = Status(action_id.removeprefix(actions.STATUS_PREFIX))
        if status is Status.RESOLVED:
            return commands.Close(incident=number, summary="", at=None)
        return commands.SetStatus(incident=number, status=status, message="", at=None)
    if action_id == actions.CLOSE:
        return commands.Close(incident=number, summary="", at=None)
    if action_id == actions.REOPEN:
        return commands.Reopen(incident=number, reason="")
    return commands.WriteDrafts(incident=number, language=None, length=None)


def _invocation(body: dict[str, Any], *, channel_id: str | None) -> Invocation:
    user = body.get("user")
    user_id = user.get("id") if isinstance(user, dict) else body.get("user_id")
    team = body.get("team")
    team_id = team.get("id") if isinstance(team, dict) else body.get("team_id")
    if not team_id and isinstance(user, dict):
        team_id = user.get("team_id")
    return Invocation(
        team_id=str(team_id or ""),
        user_id=str(user_id or ""),
        channel_id=channel_id,
        response_url=body.get("response_url"),
        trigger_id=body.get("trigger_id"),
    )


def _run(action: Callable[[], Reply], *, subcommand: str = "", label: str = "") -> Reply:
    """Run a request; known refusals become the reply, anything else is logged with a reference.

    Counted and timed in /metrics under `label` (a slash command's own subcommand by default)."""
    with metrics.acknowledging(label or _command_label(subcommand)) as outcome:
        try:
            return action()
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
