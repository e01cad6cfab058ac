"""The Slack Web API endpoint: ``/api/<method>``, checked against the spec, with faults and a log.

The order of checks follows Slack: an outage answers 503 before anything; then injected
latency; an unknown method is a 404 ``unknown_method``; injected failures and rate limits; the
bearer token (``not_authed`` / ``invalid_auth``, the refusal of a revoked bot token, and
``not_allowed_token_type`` for the app-level token outside ``apps.connections.open`` or the bot
token for it); methods the emulator does not implement answer
``not_implemented_by_emulator``; required arguments missing (per the spec) are
``invalid_arguments``; then the method runs under the workspace lock.

Slack accepts GET and POST for every method, and so does the emulator (the spec's verb is kept
for reference only). A handler answering an error the spec does not document for its method is an emulator bug: it
is answered as HTTP 500 ``fatal_error`` so that the test using it fails loudly.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from slack_emulator import (
    methods_conversations,
    methods_files,
    methods_home,
    methods_messages,
    methods_people,
    methods_usergroups,
)
from slack_emulator.arguments import ApiError, Args, invalid_arguments
from slack_emulator.faults import Call, CallLog, Faults
from slack_emulator.method_context import Handler, MethodCall
from slack_emulator.records import JSON
from slack_emulator.socket_mode import SocketModeHub
from slack_emulator.spec import WebApiSpec
from slack_emulator.state import Workspace

HANDLERS: dict[str, Handler] = {
    **methods_conversations.HANDLERS,
    **methods_files.HANDLERS,
    **methods_home.HANDLERS,
    **methods_messages.HANDLERS,
    **methods_people.HANDLERS,
    **methods_usergroups.HANDLERS,
}
JSON_ARGUMENTS = ("blocks", "view", "attachments")
APP_LEVEL_METHODS = frozenset({"apps.connections.open"})  # the only ones an app-level token may call


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status, JSON body, extra headers."""

    status: int
    body: JSON
    headers: dict[str, str] = field(default_factory=dict)


def parse_arguments(query: str, content_type: str, body: bytes) -> dict[str, Any]:
    """The call's arguments from the query string and a form or JSON body (body wins)."""
    values: dict[str, Any] = {key: items[-1] for key, items in parse_qs(query, keep_blank_values=True).items()}
    if not body:
        return values
    if content_type.startswith("application/json"):
        try:
            decoded = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ApiError("invalid_json") from None
        if not isinstance(decoded, dict):
            raise ApiError("json_not_object")
        values.update(decoded)
    elif content_type.startswith("application/x-www-form-urlencoded") or not content_type:
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            raise ApiError("invalid_form_data") from None
        values.update({key: items[-1] for key, items in form.items()})
    return values


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, if any."""
    value = headers.get("Authorization") or headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class WebApi:
    """Answers Web API calls for one workspace."""

    def __init__(
        self,
        *,
        workspace: Workspace,
        spec: WebApiSpec,
        faults: Faults,
        log: CallLog,
        base_url: Callable[[], str],
        closing: threading.Event,
        socket_mode: SocketModeHub,
    ) -> None:
        self.workspace = workspace
        self.spec = spec
        self.faults = faults
        self.log = log
        self.base_url = base_url
        self.closing = closing
        self.socket_mode = socket_mode

    def handle(self, method: str, headers: Mapping[str, str], query: str, body: bytes) -> Reply:
        """Answer one HTTP request to ``/api/<method>`` and log it."""
        args: dict[str, Any] = {}
        try:
            args = parse_arguments(query, headers.get("Content-Type", ""), body)
            token = bearer_token(headers) or args.pop("token", None)
            args.pop("token", None)
            reply = self._answer(method, args, token)
        except ApiError as error:
            reply = Reply(error.status, error.body(), error.headers)
        self.log.add(Call(method, args, self.workspace.clock(), reply.status, reply.body))
        return reply

    def _answer(self, method: str, args: dict[str, Any], token: str | None) -> Reply:
        if self.faults.is_down:
            return Reply(503, {"ok": False, "error": "service_unavailable"})
        delay = self.faults.latency_for(method)
        if delay > 0:
            self.closing.wait(delay)
        held = self.faults.held(method)
        if held is not None:
            held.hold(self.closing)
        method_spec = self.spec.get(method)
        if method_spec is None:
            return Reply(404, {"ok": False, "error": "unknown_method", "req_method": method})
        failure = self.faults.take(method)
        if failure is not None and failure.status == 429:
            retry_after = str(failure.retry_after or 1)
            return Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": retry_after})
        if failure is not None:
            error = "service_unavailable" if failure.status == 503 else "fatal_error"
            return Reply(failure.status, {"ok": False, "error": error})
        if self.faults.over_pace(method, args.get("channel")):  # Slack's one message a second per channel
            return Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})
        if token is None:
            raise ApiError("not_authed")
        if token not in (self.workspace.bot_token, self.socket_mode.app_token):
            raise ApiError("invalid_auth")
        refusal = self.faults.token_refusal
        if refusal is not None and token == self.workspace.bot_token:
            raise ApiError(refusal)
        if (token == self.socket_mode.app_token) != (method in APP_LEVEL_METHODS):
            raise ApiError("not_allowed_token_type")
        if method == "apps.connections.open":
            return Reply(200, {"ok": True, "url": self.socket_mode.open_url(self.base_url())})
        handler = HANDLERS.get(method)
        if handler is None:
            return Reply(200, {"ok": False, "error": "not_implemented_by_emulator", "req_method": method})
        missing = self.spec.missing_required(method, args)
        if missing:
            raise invalid_arguments([f"[ERROR] missing required field: {name}" for name in missing])
        for name in JSON_ARGUMENTS:
            if isinstance(args.get(name), str):
                blocks_format = name == "blocks" and method_spec.allows_error("invalid_blocks_format")
                error = "invalid_blocks_format" if blocks_format else "invalid_arguments"
                args[name] = Args(args).json_value(name, error=error)
        with self.workspace.lock:
            call = MethodCall(self.workspace, Args(args), self.workspace.bot, self.base_url())
            try:
                return Reply(200, handler(call))
            except ApiError as error:
                if not method_spec.allows_error(error.error):
                    detail = f"emulator bug: {method} answered {error.error!r}, not documented by Slack"
                    return Reply(500, {"ok": False, "error": "fatal_error", "detail": detail})
                raise
