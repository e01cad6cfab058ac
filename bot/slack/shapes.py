"""Every request Slack sends the bot, read into a typed value before a listener sees it.

`read(body)` takes the body as Bolt parsed it (a slash command's form, an interaction's payload,
an Events API envelope) and returns one of the values below, or raises `Malformed` naming the
field (`bot.reading`). Listeners get the value from Bolt's context (`incoming`), never the raw
dictionary.

Reading goes in two steps. First the envelope: what Bolt itself reads to route a request (the
type, the action, callback or event type), who sent it and where an answer goes. An unreadable
envelope is a 400 that tells nobody; `bot.slack.inbound` refuses it before Bolt, whose routing
would raise on it. Then what only the listener uses (a button's value, a modal's inputs, the
message a shortcut names, an event's fields): when that is unreadable and someone is waiting
(`waiting`), they are told Slack sent something this bot did not expect, and nothing changes.

    slash command    form: command, team_id, user_id, channel_id; text, response_url, trigger_id
    ssl_check        form: ssl_check=1 (Bolt answers it)
    interaction      payload: type, user.id; team and channel objects or null; response_url
                     (http or https), trigger_id
      block_actions    actions, the first one pressed: action_id; value, or a select's
                     selected_option.value; view.type (home: pressed on the App Home)
      message_action   callback_id; message (bot.slack.copied: ts, author, words)
      shortcut         callback_id (a global shortcut, from the lightning menu)
      view_submission  view.callback_id, view.type; view.private_metadata; view.state.values:
                     block id -> action id -> input (value: typed characters, no markup; selected_option.value,
                     selected_options[].value, selected_users)
      view_closed      view.callback_id, view.type
      block_suggestion action_id, block_id; value (what the person typed in a menu of external
                     options)
    Events API       JSON: type; url_verification: challenge; app_rate_limited:
                     minute_rate_limited; event_callback: team_id, event_id, event.type
      reaction_added   event: user, reaction, item.type; item.channel, item.ts
      user_change, team_join   event.user: a Slack user (id; team_id, profile, flags, locale, tz)
      app_home_opened  event: user, tab (home or messages)
      subteam_created, subteam_updated   event.subteam: a user group (id, handle; name,
                     date_update, date_delete, users, user_count)
      subteam_members_changed   event: subteam_id; added_users, removed_users, date_update

Any body with an `event` must have an object there: Bolt reads it on every request. Bolt also
reads `actions[0]` of a legacy `interactive_message` and the `workflow_step` of a step's views.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeAlias, TypeVar

from bot.domain.markup import from_words
from bot.members import MEMBER_EVENTS, MemberChanged, read_member_event
from bot.reading import JsonObject, Malformed, kind_of
from bot.render import actions
from bot.slack.copied import CopiedMessage, message_from, timestamp
from bot.slack.home_shapes import HomeOpened, read_home_opened
from bot.usergroup_sync import GROUP_EVENTS, UserGroupChanged, UserGroupMembersChanged, read_group_event

INCOMING = "incident_bot.incoming"  # where the reading middleware leaves the value in Bolt's context
_INTERACTIONS = frozenset(
    {"block_actions", "message_action", "shortcut", "view_submission", "view_closed", "block_suggestion"}
)


@dataclass(frozen=True)
class Invocation:
    """Who asked, where, and how to answer them later."""

    team_id: str
    user_id: str
    channel_id: str | None
    response_url: str | None = None
    trigger_id: str | None = None


@dataclass(frozen=True)
class Waiting:
    """Someone waiting for the answer to a request whose details are unreadable, and how to tell them."""

    response_url: str | None = None  # an ephemeral message there (a button, a shortcut)
    modal: bool = False  # a modal's submission: answered in the modal itself


@dataclass(frozen=True)
class SlashCommand:
    asked: Invocation
    text: str  # everything after the command, "" for none


@dataclass(frozen=True)
class ButtonPress:
    asked: Invocation
    action_id: str
    value: str  # "" when the button carries none
    in_home: bool = False  # pressed on the App Home: no channel, no response URL to answer at


@dataclass(frozen=True)
class Input:
    """What one input of a submitted modal holds."""

    typed: str = ""  # a text input's characters exactly as typed: Slack sends them unescaped, never markup
    selected: str | None = None  # a select's chosen option
    ticked: frozenset[str] = frozenset()  # the checkboxes ticked (a multi-select's options)
    users: tuple[str, ...] = ()  # a multi_users_select's people (user ids), in the order chosen

    @property
    def words(self) -> str:
        """A text input's words as the bot stores people's text (`markup.from_words`): a modal's
        plain-text input holds no Slack markup, so a typed `<!channel>` stays words and notifies
        nobody, and a typed `&lt;` reads back as typed. For text the bot stores as markup (titles);
        a draft's words are characters, stored as `typed`."""
        return from_words(self.typed)


@dataclass(frozen=True)
class ModalSubmission:
    asked: Invocation  # no channel: a modal is in none
    callback_id: str
    metadata: str  # the view's private_metadata, as the bot wrote it
    inputs: Mapping[str, Input] = field(default_factory=dict)  # by block id

    def input(self, block_id: str) -> Input:
        return self.inputs.get(block_id, Input())


@dataclass(frozen=True)
class OptionsWanted:
    """`block_suggestion`: a menu of external options asks which match what the person typed."""

    asked: Invocation
    action_id: str
    block_id: str
    typed: str  # "" when the menu opened before anything was typed


@dataclass(frozen=True)
class MessageShortcut:
    asked: Invocation
    callback_id: str
    message: CopiedMessage


@dataclass(frozen=True)
class GlobalShortcut:
    """A shortcut from the lightning menu: no channel, no message, no response URL."""

    asked: Invocation
    callback_id: str


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
class RateLimited:
    """`app_rate_limited`: Slack dropped event deliveries in the minute starting at `minute`."""

    minute: datetime | None


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
    | OptionsWanted
    | MessageShortcut
    | GlobalShortcut
    | Reaction
    | MemberChanged
    | HomeOpened
    | UserGroupChanged
    | UserGroupMembersChanged
    | RateLimited
    | OtherEvent
    | OtherRequest
)
Read = TypeVar(
    "Read",
    SlashCommand,
    ButtonPress,
    ModalSubmission,
    OptionsWanted,
    MessageShortcut,
    GlobalShortcut,
    Reaction,
    MemberChanged,
    HomeOpened,
    UserGroupChanged,
    UserGroupMembersChanged,
    OtherEvent,
)


def read(body: Mapping[str, Any]) -> Incoming:
    """The typed request, or `Malformed` naming the field (see `waiting` for who can be told)."""
    root = JsonObject(body)
    _as_bolt_reads(root)
    if "type" not in body and "command" in body:
        return _slash(root)
    if "type" not in body and body.get("ssl_check") == "1":
        return OtherRequest("ssl_check")
    if "type" not in body:
        raise Malformed("", "has neither a type (an interaction or an event) nor a command (a slash command)")
    kind = root.text("type")
    if kind not in _INTERACTIONS:
        return _json(kind, root)
    asked, routed = _envelope(kind, root)
    if kind == "block_actions":
        pressed = root.objects("actions")[0]
        chosen = pressed.maybe_object("selected_option")  # a select's option, else a button's value
        value = chosen.text("value") if chosen else pressed.maybe_text("value") or ""
        view = root.maybe_object("view")
        return ButtonPress(asked, routed, value, in_home=view is not None and view.maybe_text("type") == "home")
    if kind == "message_action":
        return MessageShortcut(asked, routed, message_from(root.object("message")))
    if kind == "shortcut":
        return GlobalShortcut(asked, routed)
    if kind == "view_submission":
        view = root.object("view")
        return ModalSubmission(_in_modal(asked), routed, view.maybe_text("private_metadata") or "", _inputs(view))
    if kind == "block_suggestion":
        return OptionsWanted(_in_modal(asked), routed, root.text("block_id"), root.maybe_text("value") or "")
    return OtherRequest(kind)


def waiting(body: Mapping[str, Any]) -> Waiting | None:
    """Who waits for the answer to `body` and how to tell them, when its envelope reads and someone
    does: the person who pressed a button or used a shortcut (at the response URL), or who
    submitted a modal. None: nobody can be told (the answer is a 400)."""
    kind = body.get("type")
    if kind not in ("block_actions", "message_action", "view_submission"):
        return None
    try:
        _as_bolt_reads(JsonObject(body))
        asked, _ = _envelope(kind, JsonObject(body))
    except Malformed:
        return None
    if kind == "view_submission":
        return Waiting(modal=True)
    return Waiting(response_url=asked.response_url) if asked.response_url else None


def described(body: Mapping[str, Any], malformed: Malformed) -> str:
    """One line for the log and the 400: the request's type when it has one, the field, the problem."""
    kind = body.get("type")
    return f"{kind}: {malformed}" if isinstance(kind, str) and kind else str(malformed)


def incoming(context: Mapping[str, Any], kind: type[Read]) -> Read:
    """The value the reading middleware read for this request (a listener asks for its own kind)."""
    found = context.get(INCOMING)
    if not isinstance(found, kind):
        raise TypeError(f"a listener for {kind.__name__} was given {type(found).__name__}")
    return found


def _as_bolt_reads(body: JsonObject) -> None:
    """What Bolt reads of every body before any middleware of ours, for its context: who, where,
    which workspace (an id, or an object holding one), in the body, its event, the first of its
    authorizations and response URLs, and the messages and items they carry."""
    event = body.maybe_object("event")
    holders = [body, *([event] if event else [])]
    for holder in [*holders, *body.objects("authorizations")[:1], *body.objects("response_urls")[:1]]:
        _id_or_object(holder, ("enterprise", "team", "user", "channel"))
    for holder in holders:
        for name in ("message", "previous_message", "item", "assistant_thread"):
            if isinstance(holder.value.get(name), Mapping):
                _id_or_object(holder.object(name), ("user", "channel"))


def _id_or_object(holder: JsonObject, names: tuple[str, ...]) -> None:
    for name in names:
        found = holder.value.get(name)
        if found is not None and not isinstance(found, str | Mapping):
            raise Malformed(holder.at(name), f"must be an id or a JSON object, not {kind_of(found)}")


def _slash(form: JsonObject) -> SlashCommand:
    form.text("command")
    asked = Invocation(
        team_id=form.text("team_id"),
        user_id=form.text("user_id"),
        channel_id=form.text("channel_id"),
        response_url=_url(form),
        trigger_id=form.maybe_text("trigger_id"),
    )
    return SlashCommand(asked=asked, text=form.maybe_text("text") or "")


def _envelope(kind: str, payload: JsonObject) -> tuple[Invocation, str]:
    """What Bolt reads to route an interaction and where its answer goes: who asked, and the
    action, callback or view id it is routed by."""
    user = payload.object("user")
    team = payload.maybe_object("team")
    channel = payload.maybe_object("channel")
    asked = Invocation(
        team_id=(team.maybe_text("id") if team else None) or user.maybe_text("team_id") or "",
        user_id=user.text("id"),
        channel_id=channel.maybe_text("id") if channel else None,
        response_url=_url(payload),
        trigger_id=payload.maybe_text("trigger_id"),
    )
    if kind == "block_actions":
        pressed = payload.objects("actions", required=True)
        if not pressed:
            raise Malformed(payload.at("actions"), "is empty")
        return asked, pressed[0].text("action_id")
    if kind in ("message_action", "shortcut"):
        return asked, payload.text("callback_id")
    if kind == "block_suggestion":
        return asked, payload.text("action_id")
    view = payload.object("view")
    callback_id = view.text("callback_id")
    if view.text("type") == "workflow_step":  # Bolt then reads the step
        payload.object("workflow_step")
    return asked, callback_id


def _in_modal(asked: Invocation) -> Invocation:
    """A modal is in no channel, and answers in itself (no response URL)."""
    return Invocation(team_id=asked.team_id, user_id=asked.user_id, channel_id=None, trigger_id=asked.trigger_id)


def _inputs(view: JsonObject) -> dict[str, Input]:
    """`state.values`: block id -> action id -> what the input holds (the bot's inputs use INPUT)."""
    inputs: dict[str, Input] = {}
    for block_id, block in view.object("state").object("values").entries():
        for action_id, element in block.entries():
            chosen = element.maybe_object("selected_option")
            read = Input(
                typed=element.maybe_text("value") or "",
                selected=chosen.text("value") if chosen else None,
                ticked=frozenset(box.text("value") for box in element.objects("selected_options")),
                users=tuple(element.strings("selected_users")),
            )
            if action_id == actions.INPUT:
                inputs[block_id] = read
    return inputs


def _json(kind: str, body: JsonObject) -> Incoming:
    """Events API bodies, and the interactions the bot has no listener for (as Bolt reads them)."""
    if kind == "url_verification":
        body.text("challenge")
    if kind == "interactive_message" and "callback_id" in body.value and not body.objects("actions", required=True):
        raise Malformed(body.at("actions"), "is empty")  # Bolt reads the first
    if kind == "workflow_step_edit" and "callback_id" in body.value:
        body.object("workflow_step")
    if kind == "app_rate_limited":
        return RateLimited(body.epoch_time("minute_rate_limited"))
    if kind != "event_callback":
        return OtherRequest(kind)
    body.text("team_id")
    event_id = body.text("event_id")
    event = body.object("event")
    event_type = event.text("type")
    if event_type == "reaction_added":
        item = event.object("item")
        ts = None if item.maybe_text("ts") is None else timestamp(item, "ts")
        return Reaction(
            event_id=event_id,
            user_id=event.text("user"),
            reaction=event.text("reaction"),
            item_type=item.text("type"),
            channel_id=item.maybe_text("channel"),
            ts=ts,
        )
    if event_type in MEMBER_EVENTS:
        return read_member_event(event)
    if event_type == "app_home_opened":
        return read_home_opened(body, event)
    if event_type in GROUP_EVENTS:
        return read_group_event(event_type, event)
    return OtherEvent(event_type)


def _url(fields: JsonObject) -> str | None:
    url = fields.maybe_text("response_url")
    if url is not None and not url.startswith(("https://", "http://")):
        raise Malformed(fields.at("response_url"), "is not an http(s) URL")
    return url
