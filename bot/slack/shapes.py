"""Every request Slack sends the bot, read into a typed value before a listener sees it.

`read(body)` takes the body as Bolt parsed it (a slash command's form, an interaction's payload,
an Events API envelope) and returns one of the values below, or raises `Malformed` naming the
field (`bot.slack.fields`). Listeners get the value from Bolt's context (`incoming`), never the
raw dictionary.

Reading goes in two steps. First the envelope: what Bolt itself reads to route a request (the
type, the action, callback or event type), who sent it and where an answer goes. An unreadable
envelope is a 400 that tells nobody; `bot.slack.inbound` refuses it before Bolt, whose routing
would raise on it. Then what only the listener uses (a button's value, a modal's inputs, the
message a shortcut names, an event's fields): when that is unreadable and someone is waiting
(`Malformed.waiting`), they are told Slack sent something this bot did not expect, and nothing
changes.

    slash command    form: command, team_id, user_id, channel_id; text, response_url, trigger_id
    ssl_check        form: ssl_check=1 (Bolt answers it)
    interaction      payload: type, user.id; team and channel objects or null; response_url
                     (http or https), trigger_id
      block_actions    actions, the first one pressed: action_id; value
      message_action   callback_id; message (bot.slack.copied: ts, author, words)
      shortcut         callback_id
      view_submission  view.callback_id, view.type; view.private_metadata; view.state.values:
                     block id -> action id -> input (value, selected_option.value,
                     selected_options[].value)
      view_closed      view.callback_id, view.type
    Events API       JSON: type; url_verification: challenge; app_rate_limited:
                     minute_rate_limited; event_callback: team_id, event_id, event.type
      reaction_added   event: user, reaction, item.type; item.channel, item.ts
      user_change, team_join   event.user: a Slack user (id; team_id, profile, flags)

Any body with an `event` must have an object there: Bolt reads it on every request. Bolt also
reads `actions[0]` of a legacy `interactive_message` and the `workflow_step` of a step's views.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias, TypeVar

from bot.render import actions
from bot.slack.copied import CopiedMessage, message_from
from bot.slack.fields import Fields, Malformed, Waiting

INCOMING = "incident_bot.incoming"  # where the reading middleware leaves the value in Bolt's context
MEMBER_EVENTS = frozenset({"user_change", "team_join"})  # they write the members table
_INTERACTIONS = frozenset({"block_actions", "message_action", "shortcut", "view_submission", "view_closed"})


@dataclass(frozen=True)
class Invocation:
    """Who asked, where, and how to answer them later."""

    team_id: str
    user_id: str
    channel_id: str | None
    response_url: str | None = None
    trigger_id: str | None = None


@dataclass(frozen=True)
class SlashCommand:
    asked: Invocation
    text: str  # everything after the command, "" for none


@dataclass(frozen=True)
class ButtonPress:
    asked: Invocation
    action_id: str
    value: str  # "" when the button carries none


@dataclass(frozen=True)
class Input:
    """What one input of a submitted modal holds."""

    value: str = ""  # a text input's words
    selected: str | None = None  # a select's chosen option
    ticked: frozenset[str] = frozenset()  # the checkboxes ticked


@dataclass(frozen=True)
class ModalSubmission:
    asked: Invocation  # no channel: a modal is in none
    callback_id: str
    metadata: str  # the view's private_metadata, as the bot wrote it
    inputs: Mapping[str, Input] = field(default_factory=dict)  # by block id

    def input(self, block_id: str) -> Input:
        return self.inputs.get(block_id, Input())


@dataclass(frozen=True)
class MessageShortcut:
    asked: Invocation
    callback_id: str
    message: CopiedMessage


@dataclass(frozen=True)
class Reaction:
    """`reaction_added`: `item_type` is "message" for a message (then with its channel and ts)."""

    event_id: str
    user_id: str
    reaction: str
    item_type: str
    channel_id: str | None
    ts: str | None


@dataclass(frozen=True)
class SlackUser:
    """What Slack says about a member (an event, users.info, users.list)."""

    id: str
    team_id: str = ""
    display_name: str = ""
    real_name: str = ""
    is_bot: bool = False
    deleted: bool = False
    is_restricted: bool = False
    is_ultra_restricted: bool = False


@dataclass(frozen=True)
class MemberChanged:
    user: SlackUser


@dataclass(frozen=True)
class RateLimited:
    """`app_rate_limited`: Slack dropped event deliveries in the minute starting at `minute`."""

    minute: int | None


@dataclass(frozen=True)
class OtherEvent:
    type: str  # an event the bot does not act on


@dataclass(frozen=True)
class OtherRequest:
    type: str  # ssl_check, url_verification, view_closed, ...: Bolt answers, or no listener does


Incoming: TypeAlias = (
    SlashCommand
    | ButtonPress
    | ModalSubmission
    | MessageShortcut
    | Reaction
    | MemberChanged
    | RateLimited
    | OtherEvent
    | OtherRequest
)
Read = TypeVar("Read", SlashCommand, ButtonPress, ModalSubmission, MessageShortcut, Reaction, MemberChanged)


def read(body: Mapping[str, Any]) -> Incoming:
    """The typed request, or `Malformed` (its `kind` and, when someone can be told, `waiting`)."""
    root = Fields(body)
    root.maybe_object("event")
    if "type" not in body and "command" in body:
        return _slash(root)
    if "type" not in body and body.get("ssl_check") == "1":
        return OtherRequest("ssl_check")
    if "type" not in body:
        raise Malformed("", "neither a type (an interaction or an event) nor a command (a slash command)")
    kind = root.text("type")
    try:
        return _interaction(kind, root) if kind in _INTERACTIONS else _json(kind, root)
    except Malformed as malformed:
        malformed.kind = kind
        raise


def incoming(context: Mapping[str, Any], kind: type[Read]) -> Read:
    """The value the reading middleware read for this request (a listener asks for its own kind)."""
    found = context.get(INCOMING)
    if not isinstance(found, kind):
        raise TypeError(f"a listener for {kind.__name__} was given {type(found).__name__}")
    return found


def read_user(value: object, path: str = "user") -> SlackUser:
    """A Slack user object (an event's, users.info's, one of users.list's)."""
    return user_from(Fields(value, path))


def user_from(user: Fields) -> SlackUser:
    """Its id; the rest defaults to empty or False."""
    profile = user.maybe_object("profile") or Fields({}, user.at("profile"))
    return SlackUser(
        id=user.text("id"),
        team_id=user.maybe_text("team_id") or profile.optional_text("team"),
        display_name=profile.optional_text("display_name"),
        real_name=profile.maybe_text("real_name") or user.maybe_text("real_name") or user.optional_text("name"),
        is_bot=user.flag("is_bot"),
        deleted=user.flag("deleted"),
        is_restricted=user.flag("is_restricted"),
        is_ultra_restricted=user.flag("is_ultra_restricted"),
    )


def _slash(form: Fields) -> SlashCommand:
    form.text("command")
    asked = Invocation(
        team_id=form.text("team_id"),
        user_id=form.text("user_id"),
        channel_id=form.text("channel_id"),
        response_url=_url(form),
        trigger_id=form.maybe_text("trigger_id"),
    )
    return SlashCommand(asked=asked, text=form.optional_text("text"))


def _interaction(kind: str, payload: Fields) -> Incoming:
    user = payload.object("user")
    team = payload.maybe_object("team")
    channel = payload.maybe_object("channel")
    asked = Invocation(
        team_id=(team.maybe_text("id") if team else None) or user.optional_text("team_id"),
        user_id=user.text("id"),
        channel_id=channel.maybe_text("id") if channel else None,
        response_url=_url(payload),
        trigger_id=payload.maybe_text("trigger_id"),
    )
    if kind == "block_actions":
        pressed = payload.objects("actions", required=True)[0]
        action_id = pressed.text("action_id")
        return _waiting(asked, lambda: ButtonPress(asked, action_id, pressed.optional_text("value")))
    if kind in ("message_action", "shortcut"):
        callback_id = payload.text("callback_id")
        if kind == "shortcut":
            return OtherRequest(kind)
        return _waiting(asked, lambda: MessageShortcut(asked, callback_id, message_from(payload.object("message"))))
    view = payload.object("view")
    callback_id = view.text("callback_id")
    if view.text("type") == "workflow_step":  # Bolt then reads the step
        payload.object("workflow_step")
    if kind == "view_closed":
        return OtherRequest(kind)
    submitted = Invocation(team_id=asked.team_id, user_id=asked.user_id, channel_id=None, trigger_id=asked.trigger_id)
    try:
        return ModalSubmission(submitted, callback_id, view.optional_text("private_metadata"), _inputs(view))
    except Malformed as malformed:
        malformed.waiting = Waiting(modal=True)
        raise


def _waiting(asked: Invocation, details: Callable[[], Incoming]) -> Incoming:
    """Read what only the listener uses; if that fails, the person can be told at the response URL."""
    try:
        return details()
    except Malformed as malformed:
        malformed.waiting = Waiting(response_url=asked.response_url) if asked.response_url else None
        raise


def _inputs(view: Fields) -> dict[str, Input]:
    """`state.values`: block id -> action id -> what the input holds (the bot's inputs use INPUT)."""
    inputs: dict[str, Input] = {}
    for block_id, block in view.object("state").object("values").entries():
        for action_id, element in block.entries():
            chosen = element.maybe_object("selected_option")
            read = Input(
                value=element.optional_text("value"),
                selected=chosen.text("value") if chosen else None,
                ticked=frozenset(box.text("value") for box in element.objects("selected_options")),
            )
            if action_id == actions.INPUT:
                inputs[block_id] = read
    return inputs


def _json(kind: str, body: Fields) -> Incoming:
    """Events API bodies, and the interactions the bot has no listener for (as Bolt reads them)."""
    if kind == "url_verification":
        body.text("challenge")
    if kind == "interactive_message" and "callback_id" in body.value:
        body.objects("actions", required=True)
    if kind == "workflow_step_edit" and "callback_id" in body.value:
        body.object("workflow_step")
    if kind == "app_rate_limited":
        return RateLimited(body.maybe_integer("minute_rate_limited"))
    if kind != "event_callback":
        return OtherRequest(kind)
    body.text("team_id")
    event_id = body.text("event_id")
    event = body.object("event")
    event_type = event.text("type")
    if event_type == "reaction_added":
        item = event.object("item")
        return Reaction(
            event_id=event_id,
            user_id=event.text("user"),
            reaction=event.text("reaction"),
            item_type=item.text("type"),
            channel_id=item.maybe_text("channel"),
            ts=item.maybe_text("ts"),
        )
    if event_type in MEMBER_EVENTS:
        return MemberChanged(user_from(event.object("user")))
    return OtherEvent(event_type)


def _url(fields: Fields) -> str | None:
    url = fields.maybe_text("response_url")
    if url is not None and not url.startswith(("https://", "http://")):
        raise Malformed(fields.at("response_url"), "not an http(s) URL")
    return url
