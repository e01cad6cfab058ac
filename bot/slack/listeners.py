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
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot import metrics
from bot.domain import affects
from bot.domain.incident import DEFAULT_SEVERITY, Status
from bot.errors import UsageError, UserError
from bot.members import MemberChanged, SlackUser
from bot.reading import Malformed
from bot.render import actions, blocks, page_picker
from bot.render.affected import component_options
from bot.slack import commands, parse, shapes
from bot.slack.answers import UNEXPECTED, AfterAck, hand_over, number_in, run_reply, submit_modal
from bot.slack.declaring import opened_from
from bot.slack.run import CommandRunner, Reply
from bot.usergroup_sync import UserGroupChanged, UserGroupMembersChanged

log = logging.getLogger(__name__)

PIN_REACTION = "pushpin"


def register_reading(app: App, after: AfterAck) -> None:
    """Registered first: every request is read into its typed value (`bot.slack.shapes`) before
    any listener matches, and left in Bolt's context for the listener. An unreadable request is
    logged once as a warning with the field's path, and answered here: in the modal or at the
    response URL when someone is waiting, else 400. Nothing is stored."""
    app.use(_ReadRequest(after))


class _ReadRequest(Middleware):
    """The reading middleware: a class, so Bolt calls it as it is instead of inspecting a function's
    arguments for every request (a tenth of an acknowledgement's time in Bolt, BENCHMARKS.md). A
    request that came over HTTP was read already, from the same body, before Bolt saw it
    (`bot.slack.inbound.check_shape`); one from Socket Mode is read here."""

    def __init__(self, after: AfterAck) -> None:
        self.after = after

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        if shapes.INCOMING not in req.context:
            try:
                req.context[shapes.INCOMING] = shapes.read(req.body)
            except Malformed as malformed:
                return _unreadable(req.body, malformed, self.after)
        next()
        return None


def register(app: App, runner: CommandRunner, after: AfterAck) -> None:
    service = runner.service

    @app.command("/incident")
    def incident_command(ack: Ack, context: BoltContext) -> None:
        command = shapes.incoming(context, shapes.SlashCommand)
        text, asked = command.text, command.asked
        reply = run_reply(lambda: runner.run(parse.parse(text), asked), subcommand=_first_word(text))
        ack(**reply.message)
        hand_over(after, asked.response_url, reply.followups)

    @app.action({"type": "block_actions", "action_id": actions.CARD_ACTIONS})
    @app.action({"type": "block_actions", "action_id": actions.ASSESS_ACTIONS})
    def card_button(ack: Ack, context: BoltContext) -> None:
        ack()
        pressed = shapes.incoming(context, shapes.ButtonPress)
        reply = run_reply(lambda: runner.run(_button_command(pressed), pressed.asked), label="button")
        hand_over(after, pressed.asked.response_url, [reply.message, *reply.followups])

    @app.view(actions.OPEN_MODAL)
    def open_modal_submitted(ack: Ack, context: BoltContext) -> None:
        submitted = shapes.incoming(context, shapes.ModalSubmission)
        title = submitted.input(actions.TITLE_INPUT).words  # stored as people's text: `<!channel>` stays words
        severity = number_in(submitted.input(actions.SEVERITY_INPUT).selected) or DEFAULT_SEVERITY
        private = actions.PRIVATE_OPTION in submitted.input(actions.PRIVATE_INPUT).ticked
        ticked = submitted.input(actions.COMPONENTS_INPUT).ticked
        state = submitted.input(actions.COMPONENT_STATE_INPUT).selected
        try:
            chosen = affects.from_modal(service.catalog, sorted(ticked), state)
        except UsageError as error:  # the catalog changed while the modal was open: said under its field
            refused = error
            submit_modal(ack, after, actions.COMPONENTS_INPUT, lambda: _raise(refused))
            return

        def open_titled() -> object:
            if not title.strip():  # the modal's own field: never answered by another modal
                raise UsageError("Give the incident a title: what is broken, in a few words.")
            opened = opened_from(submitted.metadata)  # where it was asked for, and the message it comes from
            asked = replace(submitted.asked, channel_id=opened.channel_id, response_url=opened.response_url)
            command = commands.Open(
                severity=severity,
                title=title,
                at=opened.started_at.isoformat() if opened.started_at else None,  # `/incident open --at TIME`
                private=private,
                message=opened.message,
                components=tuple(chosen.items()),
            )
            return runner.run(command, asked)

        submit_modal(ack, after, actions.TITLE_INPUT, open_titled)

    @app.options(actions.INPUT)
    def options_wanted(ack: Ack, context: BoltContext) -> None:
        """The open modal's menu of components, and *Page someone else*'s (its components with an
        on-call group), when the catalog has more than a static menu holds: those whose name or id
        has what the person typed (bot.render.affected)."""
        wanted = shapes.incoming(context, shapes.OptionsWanted)
        if wanted.block_id not in (actions.COMPONENTS_INPUT, actions.PAGE_COMPONENTS_INPUT):
            ack(options=[])
            return
        found = service.catalog.search(wanted.typed)
        if wanted.block_id == actions.PAGE_COMPONENTS_INPUT:  # *Page someone else*'s: those with an on-call group
            found = tuple(page_picker.on_call_components(found))
        ack(**component_options(found, service.languages[0], blocks.plain))

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

        reply = run_reply(add, label="shortcut")
        hand_over(after, asked.response_url, [reply.message])

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
        hand_over(after)

    @app.action({"type": "block_actions", "action_id": actions.DRAFT_ACTIONS})
    def draft_button(ack: Ack, context: BoltContext) -> None:
        ack()
        pressed = shapes.incoming(context, shapes.ButtonPress)
        asked, decision = pressed.asked, pressed.action_id
        draft_id = number_in(pressed.value) or 0

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

        reply = run_reply(decide, label="draft_button")
        hand_over(after, asked.response_url, [reply.message])

    @app.action({"type": "block_actions", "action_id": actions.MOVE_PRIVATE})
    def move_button(ack: Ack, context: BoltContext) -> None:
        ack()
        pressed = shapes.incoming(context, shapes.ButtonPress)
        number = number_in(pressed.value)
        reply = run_reply(lambda: runner.move_to_private_channel(number, pressed.asked), label="move_button")
        hand_over(after, pressed.asked.response_url, [reply.message])

    @app.action({"type": "block_actions", "action_id": actions.REMINDER_ACTIONS})
    def reminder_button(ack: Ack, context: BoltContext) -> None:
        ack()
        pressed = shapes.incoming(context, shapes.ButtonPress)
        answer = runner.answer_reminder
        reply = run_reply(lambda: answer(pressed.action_id, pressed.value, pressed.asked), label="reminder")
        hand_over(after, pressed.asked.response_url, [reply.message])

    @app.view(actions.EDIT_MODAL)
    @app.view(actions.CORRECT_MODAL)
    def draft_edited(ack: Ack, context: BoltContext) -> None:
        submitted = shapes.incoming(context, shapes.ModalSubmission)
        text, user = submitted.input(actions.TEXT_INPUT).typed, submitted.asked.user_id  # a draft's words: characters
        draft_id = number_in(submitted.metadata) or 0
        save_as = runner.drafts.correct if submitted.callback_id == actions.CORRECT_MODAL else runner.drafts.edit

        def save() -> None:
            runner.ensure_can_change(user)
            save_as(draft_id, actor=user, text=text)

        submit_modal(ack, after, actions.TEXT_INPUT, save)


def register_member_events(app: App, learn: Callable[[SlackUser], object]) -> None:
    """`user_change` and `team_join`: store the member at once (a member turned guest is refused
    from now on). Acknowledged only once stored, so Slack redelivers what could not be stored."""

    @app.event("user_change")
    @app.event("team_join")
    def member_changed(ack: Ack, context: BoltContext) -> None:
        learn(shapes.incoming(context, MemberChanged).user)
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

    app.use(_RateLimited())

    @app.event(re.compile(r".*"))
    def any_other_event(ack: Ack, context: BoltContext) -> None:
        kind = shapes.incoming(context, shapes.OtherEvent).type
        log.debug("event %s acknowledged; the bot does not act on it", kind)
        metrics.EVENTS_IGNORED.labels(type=kind if re.fullmatch(r"[a-z_]{1,40}", kind) else "unknown").inc()
        ack()


def _unreadable(body: dict[str, Any], malformed: Malformed, after: AfterAck) -> BoltResponse:
    """The answer to a request the reading middleware could not read (see `register_reading`)."""
    described = shapes.described(body, malformed)
    log.warning("Slack sent a request this bot did not expect: %s", described)
    waiting = shapes.waiting(body)
    if waiting is not None and waiting.modal:
        answer = {"response_action": "update", "view": blocks.notice_modal(UNEXPECTED)}
        return BoltResponse(status=200, body=json.dumps(answer), headers={"content-type": "application/json"})
    if waiting is not None and waiting.response_url:
        hand_over(after, waiting.response_url, [blocks.error_reply(UNEXPECTED)])
        return BoltResponse(status=200, body="")
    return BoltResponse(status=400, body=json.dumps({"error": described}))


def _button_command(pressed: shapes.ButtonPress) -> commands.Command:
    """A card button, or the security prompt under a draft, is the same command as its slash form,
    with the same rules (the prompt's only while nobody has assessed the incident)."""
    action_id, number = pressed.action_id, number_in(pressed.value)
    attack = actions.assessment(action_id)
    if attack is not None:
        return commands.SetAttack(incident=number, attack=attack, first=True)
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
    if action_id == actions.TAKE_LEAD:
        return commands.SetLead(incident=number, user_id=pressed.asked.user_id)
    return commands.WriteDrafts(incident=number, language=None, length=None)


def _first_word(text: str) -> str:
    words = text.split(maxsplit=1)
    return words[0].lower() if words else ""


def _raise(error: Exception) -> object:
    raise error


class _RateLimited(Middleware):
    """`app_rate_limited`, answered 200 before any listener (a class, as `_ReadRequest` is)."""

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        limited = req.context.get(shapes.INCOMING)
        if not isinstance(limited, shapes.RateLimited):
            next()
            return None
        minute = limited.minute
        when = minute.strftime("%Y-%m-%d %H:%M UTC") if minute else "an unknown minute"
        log.warning("Slack rate-limited event deliveries to this app in the minute of %s: events were dropped", when)
        metrics.EVENTS_IGNORED.labels(type="app_rate_limited").inc()
        return BoltResponse(status=200, body="")
