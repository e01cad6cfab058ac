"""The shape of a signed request body: what Slack sends, checked before Bolt reads it.

Bolt assumes well-formed bodies: `payload=%7Bnot-json`, a JSON array or a block action
without `actions` raise inside it and become 500s. `body_shape(content_type, raw)` returns
the reason a body is malformed (shown in the 400 answer), or None when the listeners can
read it. The rules follow Slack's own payloads:

    slash command   form: command, team_id, user_id, channel_id (text may be empty)
    ssl_check       form: ssl_check=1 (Bolt answers it)
    interaction     form: payload=<JSON object with a type and user.id>; block_actions need
                    a list of actions with action_id, shortcuts a callback_id, views a view
    Events API      JSON object with a type; url_verification needs a challenge,
                    event_callback an event object with a type, team_id and event_id
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

_COMMAND_FIELDS = ("command", "team_id", "user_id", "channel_id")


def body_shape(content_type: str, raw: bytes) -> str | None:
    """Why `raw` is not a body Slack would send with this content type, or None if it is."""
    kind = content_type.split(";")[0].strip().lower()
    if kind not in (FORM, JSON):
        return f"Content-Type must be {FORM} or {JSON}"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "the body is not UTF-8"
    if kind == JSON:
        return _json_body(text)
    return _form_body(text)


def _form_body(text: str) -> str | None:
    if text.startswith("{"):
        return "a form body cannot start with '{'"
    try:
        fields = parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict")
    except (ValueError, UnicodeDecodeError):
        return "the body is not URL-encoded form data"
    form: dict[str, str] = {}
    for name, value in fields:
        if name in form:
            return f"the form field {name} is repeated"
        form[name] = value
    if "payload" in form:
        return _payload(form["payload"])
    if form.get("ssl_check") == "1":
        return None
    missing = [name for name in _COMMAND_FIELDS if not form.get(name)]
    if missing:
        return f"a slash command needs {', '.join(missing)}"
    return None


def _payload(text: str) -> str | None:
    try:
        payload = json.loads(text)
    except ValueError:
        return "payload is not JSON"
    if not isinstance(payload, dict):
        return "payload is not a JSON object"
    kind = payload.get("type")
    if not isinstance(kind, str) or not kind:
        return "payload has no type"
    if not _object_with(payload.get("user"), "id"):
        return "payload has no user.id"
    for key in ("team", "channel", "message", "view", "container"):
        if key in payload and payload[key] is not None and not isinstance(payload[key], dict):
            return f"payload.{key} is not an object"
    if kind == "block_actions":
        return _actions(payload.get("actions"))
    if kind in ("message_action", "shortcut"):
        if not isinstance(payload.get("callback_id"), str):
            return f"a {kind} needs a callback_id"
        if kind == "message_action" and not _object_with(payload.get("message"), "ts"):
            return "a message_action needs message.ts"
    if kind in ("view_submission", "view_closed"):
        return _view(payload.get("view"))
    return None


def _actions(actions: Any) -> str | None:
    if not isinstance(actions, list) or not actions:
        return "block_actions needs a non-empty list of actions"
    for action in actions:
        if not _object_with(action, "action_id"):
            return "every action needs an action_id"
        if not isinstance(action.get("value", ""), str):
            return "an action's value must be a string"
    return None


def _view(view: Any) -> str | None:
    if not isinstance(view, dict) or not all(isinstance(view.get(key), str) for key in ("callback_id", "type")):
        return "a view payload needs view.callback_id and view.type"
    if not isinstance(view.get("private_metadata", ""), str):
        return "view.private_metadata must be a string"
    state = view.get("state") or {}
    values = state.get("values", {}) if isinstance(state, dict) else None
    if not isinstance(values, dict) or not all(
        isinstance(block, dict) and all(isinstance(element, dict) for element in block.values())
        for block in values.values()
    ):
        return "view.state.values must map blocks to objects"
    return None


def _json_body(text: str) -> str | None:
    try:
        body = json.loads(text)
    except ValueError:
        return "the body is not JSON"
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    kind = body.get("type")
    if not isinstance(kind, str) or not kind:
        return "the body has no type"
    if kind == "url_verification" and not isinstance(body.get("challenge"), str):
        return "url_verification needs a challenge"
    if kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            return "event_callback needs an event with a type"
        for name in ("team_id", "event_id"):
            if not isinstance(body.get(name), str) or not body[name]:
                return f"event_callback needs {name}"
        if "item" in event and not isinstance(event["item"], dict):
            return "event.item is not an object"
        if event["type"] in MEMBER_EVENTS and not _object_with(event.get("user"), "id"):
            return f"{event['type']} needs a user object with an id"
    return None


MEMBER_EVENTS = frozenset({"user_change", "team_join"})  # they write the members table


def _object_with(value: Any, key: str) -> bool:
    return isinstance(value, dict) and isinstance(value.get(key), str) and bool(value[key])
