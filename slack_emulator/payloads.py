"""The bodies Slack sends to an app's request URL, built from the workspace state.

Shapes follow Slack's documentation of slash commands, ``block_actions``, ``view_submission``,
``block_suggestion``, ``message_action`` and the Events API ``event_callback`` envelope. Each builder reads the state
and must be called under the workspace lock.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Option, OptionGroup

from slack_emulator.records import JSON, Channel, User, View
from slack_emulator.state import Workspace

VERIFICATION_TOKEN = "emulator-verification-token"  # noqa: S105 - Slack's deprecated, public field
MAX_SUGGESTED = 100  # options, or option groups, in one answer to block_suggestion


def user_json(ws: Workspace, user: User) -> JSON:
    """The ``user`` object of interaction payloads."""
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": ws.team_id}


def team_json(ws: Workspace) -> JSON:
    """The ``team`` object of interaction payloads."""
    return {"id": ws.team_id, "domain": ws.team_domain}


def channel_json(channel: Channel) -> JSON:
    """The ``channel`` object of interaction payloads."""
    return {"id": channel.id, "name": "directmessage" if channel.is_im else channel.name}


def slash_form(
    ws: Workspace, *, user: User, channel: Channel, command: str, text: str, response_url: str, trigger_id: str
) -> list[tuple[str, str]]:
    """The form fields of a slash command, in Slack's order."""
    return [
        ("token", VERIFICATION_TOKEN),
        ("team_id", ws.team_id),
        ("team_domain", ws.team_domain),
        ("channel_id", channel.id),
        ("channel_name", channel_json(channel)["name"]),
        ("user_id", user.id),
        ("user_name", user.name),
        ("command", command),
        ("text", text),
        ("api_app_id", ws.app_id),
        ("is_enterprise_install", "false"),
        ("response_url", response_url),
        ("trigger_id", trigger_id),
    ]


def interactive_elements(blocks: list[JSON]) -> Iterator[tuple[str, JSON]]:
    """Every interactive element of the blocks with its block id (actions, accessories, inputs)."""
    for block in blocks:
        block_id = str(block.get("block_id", ""))
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            yield block_id, element
        for key in ("accessory", "element"):
            if isinstance(block.get(key), dict):
                yield block_id, block[key]


def find_action(blocks: list[JSON], action_id: str) -> tuple[str, JSON]:
    """The block id and element with this ``action_id``; ValueError when there is none."""
    for block_id, element in interactive_elements(blocks):
        if element.get("action_id") == action_id:
            return block_id, element
    raise ValueError(f"no element with action_id {action_id!r} in these blocks")


def action_json(block_id: str, element: JSON, action_ts: str) -> JSON:
    """One entry of ``actions`` for a button click."""
    action: JSON = {
        "action_id": element.get("action_id"),
        "block_id": block_id,
        "text": copy.deepcopy(element.get("text")),
        "value": element.get("value"),
        "type": element.get("type", "button"),
        "action_ts": action_ts,
    }
    if "style" in element:
        action["style"] = element["style"]
    return action


def select_action_json(block_id: str, element: JSON, value: str, action_ts: str) -> JSON:
    """One entry of ``actions`` for an option chosen in a static select of a message: Slack sends
    the option chosen (only one the element lists) and no ``value``."""
    options = list(element.get("options", []))
    for group in element.get("option_groups", []):
        options.extend(group.get("options", []))
    if element.get("type") != "static_select" or not any(option.get("value") == value for option in options):
        raise ValueError(f"{element.get('action_id')!r} is no static select offering {value!r}")
    action: JSON = {
        "type": "static_select",
        "action_id": element.get("action_id"),
        "block_id": block_id,
        "selected_option": option_for(element, value),
        "action_ts": action_ts,
    }
    if "placeholder" in element:
        action["placeholder"] = copy.deepcopy(element["placeholder"])
    return action


def block_actions(
    ws: Workspace,
    *,
    user: User,
    container: JSON,
    action: JSON,
    trigger_id: str,
    response_url: str | None,
    channel: Channel | None = None,
    message: JSON | None = None,
    view: JSON | None = None,
) -> JSON:
    """A ``block_actions`` payload (a button clicked in a message, an ephemeral or a view)."""
    payload: JSON = {
        "type": "block_actions",
        "user": user_json(ws, user),
        "api_app_id": ws.app_id,
        "token": VERIFICATION_TOKEN,
        "container": container,
        "trigger_id": trigger_id,
        "team": team_json(ws),
        "enterprise": None,
        "is_enterprise_install": False,
        "state": {"values": {}},
        "actions": [action],
    }
    if channel is not None:
        payload["channel"] = channel_json(channel)
    if message is not None:
        payload["message"] = message
    if view is not None:
        payload["view"] = view
    if response_url is not None:
        payload["response_url"] = response_url
    return payload


def view_submission(ws: Workspace, *, user: User, view: View, values: JSON, trigger_id: str) -> JSON:
    """A ``view_submission`` payload for the view with these ``state.values``."""
    return {
        "type": "view_submission",
        "team": team_json(ws),
        "user": user_json(ws, user),
        "api_app_id": ws.app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": view.to_slack(values),
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def message_action(
    ws: Workspace,
    *,
    user: User,
    channel: Channel,
    message: JSON,
    callback_id: str,
    trigger_id: str,
    response_url: str,
    action_ts: str,
) -> JSON:
    """A ``message_action`` payload (a message shortcut)."""
    return {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": action_ts,
        "team": team_json(ws),
        "user": user_json(ws, user),
        "channel": channel_json(channel),
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id,
        "response_url": response_url,
        "message_ts": message["ts"],
        "message": message,
    }


def global_shortcut(ws: Workspace, *, user: User, callback_id: str, trigger_id: str, action_ts: str) -> JSON:
    """A ``shortcut`` payload (a global shortcut, from the lightning menu): no channel, no message,
    no response URL."""
    return {
        "type": "shortcut",
        "token": VERIFICATION_TOKEN,
        "action_ts": action_ts,
        "team": team_json(ws),
        "user": user_json(ws, user),
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id,
    }


def event_callback(ws: Workspace, *, event: JSON, event_id: str, event_time: int) -> JSON:
    """The Events API envelope around ``event``, authorized for the bot."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": ws.team_id,
        "context_team_id": ws.team_id,
        "context_enterprise_id": None,
        "api_app_id": ws.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ws.team_id,
                "user_id": ws.bot.id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-emulator-{event_id}",
    }


EXTERNAL_SELECTS = ("external_select", "multi_external_select")
DEFAULT_MIN_QUERY_LENGTH = 3  # Slack's, for a menu of external options that sets none


def option_for(element: JSON, value: str, offered: Mapping[str, JSON] | None = None) -> JSON:
    """The option of a select/radio element whose value is ``value`` (made up when not listed).
    A menu of external options has only what the app ``offered`` (ValueError for anything else)."""
    if element.get("type") in EXTERNAL_SELECTS:
        if offered is None or value not in offered:
            raise ValueError(f"{value!r} was never offered by this menu of external options: type in it first")
        return copy.deepcopy(dict(offered[value]))
    options = list(element.get("options", []))
    for group in element.get("option_groups", []):
        options.extend(group.get("options", []))
    for option in options:
        if option.get("value") == value:
            return copy.deepcopy(dict(option))
    return {"text": {"type": "plain_text", "text": value, "emoji": True}, "value": value}


def offered_options(answer: Any) -> list[JSON]:
    """The options an app's answer to ``block_suggestion`` offers, checked as Slack checks them:
    an object with ``options`` or ``option_groups`` (not both), at most 100 of either, each a valid
    option (group); ValueError saying what is wrong."""
    if not isinstance(answer, Mapping) or ("options" in answer) == ("option_groups" in answer):
        raise ValueError(f"a block_suggestion answer needs options or option_groups: {answer!r}")
    grouped = "option_groups" in answer
    listed = answer["option_groups" if grouped else "options"]
    if not isinstance(listed, list) or len(listed) > MAX_SUGGESTED:
        raise ValueError(f"a block_suggestion answer has at most {MAX_SUGGESTED} options or option groups")
    try:
        for each in (OptionGroup if grouped else Option).parse_all(listed) or []:
            each.validate_json()
        options = [option for group in listed for option in group["options"]] if grouped else listed
        for option in Option.parse_all(options) or []:
            option.validate_json()
    except (SlackObjectFormationError, TypeError, KeyError, AttributeError) as error:
        raise ValueError(f"an invalid option in a block_suggestion answer: {error}") from None
    for option in options:
        text, value = option.get("text"), option.get("value")
        if not isinstance(text, Mapping) or text.get("type") != "plain_text" or not isinstance(value, str):
            raise ValueError(f"an option needs plain_text text and a value: {option!r}")
    return [dict(option) for option in options]


def block_suggestion(ws: Workspace, *, user: User, view: View, block_id: str, element: JSON, typed: str) -> JSON:
    """A ``block_suggestion`` payload: a person typed ``typed`` in a modal's menu of external options."""
    return {
        "type": "block_suggestion",
        "user": user_json(ws, user),
        "container": {"type": "view", "view_id": view.id},
        "api_app_id": ws.app_id,
        "token": VERIFICATION_TOKEN,
        "action_id": element.get("action_id"),
        "block_id": block_id,
        "value": typed,
        "team": team_json(ws),
        "enterprise": None,
        "is_enterprise_install": False,
        "view": view.to_slack(),
    }


def element_state(element: JSON, value: Any, offered: Mapping[str, JSON] | None = None) -> JSON:
    """The ``state.values`` entry Slack sends for an input element holding ``value``."""
    kind = str(element.get("type", "plain_text_input"))
    if isinstance(value, Mapping):
        return {"type": kind, **value}
    if kind in ("static_select", "external_select", "radio_buttons"):
        chosen = None if value is None else option_for(element, str(value), offered)
        return {"type": kind, "selected_option": chosen}
    if kind in ("multi_static_select", "multi_external_select", "checkboxes"):
        return {"type": kind, "selected_options": [option_for(element, str(v), offered) for v in value or []]}
    single = {
        "users_select": "selected_user",
        "conversations_select": "selected_conversation",
        "channels_select": "selected_channel",
        "datepicker": "selected_date",
        "timepicker": "selected_time",
        "datetimepicker": "selected_date_time",
    }
    if kind in single:
        return {"type": kind, single[kind]: value}
    multi = {"multi_users_select": "selected_users", "multi_conversations_select": "selected_conversations"}
    if kind in multi:
        return {"type": kind, multi[kind]: list(value or [])}
    return {"type": kind, "value": value}


def initial_value(element: JSON) -> Any:
    """What an untouched input element submits: its initial value, if any."""
    for key in ("initial_value", "initial_user", "initial_conversation", "initial_channel", "initial_date"):
        if key in element:
            return element[key]
    if "initial_option" in element:
        return element["initial_option"].get("value")
    if "initial_options" in element:
        return [option.get("value") for option in element["initial_options"]]
    return None


def state_values(
    blocks: list[JSON], values: Mapping[str, Any], offered: Mapping[str, Mapping[str, JSON]] | None = None
) -> JSON:
    """Slack's ``state.values`` for a view's input blocks, keyed by block id then action id.

    ``values`` maps a block id or an action id to what the user entered (a string for text
    inputs, an option value for selects, a list for multi-selects, or a ready-made state dict).
    ``offered``: what each menu of external options was offered, by block id (View.offered).
    Raises ValueError for a key that names no input of the view.
    """
    result: JSON = {}
    used: set[str] = set()
    for block in blocks:
        element = block.get("element")
        if block.get("type") != "input" or not isinstance(element, dict):
            continue
        block_id, action_id = str(block.get("block_id")), str(element.get("action_id", ""))
        key = next((k for k in (block_id, action_id) if k in values), None)
        value = values[key] if key is not None else initial_value(element)
        if key is not None:
            used.add(key)
        result.setdefault(block_id, {})[action_id] = element_state(element, value, (offered or {}).get(block_id))
    unknown = set(values) - used
    if unknown:
        raise ValueError(f"no input block or action_id named {sorted(unknown)} in this view")
    return result
