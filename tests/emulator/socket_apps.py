"""Socket Mode apps for the emulator's tests: slack_sdk's own client, and how to get a URL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.emulator import SlackEmulator

Answer = Callable[[SocketModeRequest], dict[str, Any] | None]


def open_url(emulator: SlackEmulator) -> str:
    """A fresh Socket Mode URL from ``apps.connections.open``, called as slack_sdk calls it."""
    url: str = WebClient(base_url=emulator.api_url).apps_connections_open(app_token=emulator.app_token)["url"]
    return url


class SdkApp:
    """The real slack_sdk Socket Mode client, acking every envelope with ``answer(request)``."""

    def __init__(self, emulator: SlackEmulator) -> None:
        self.requests: list[SocketModeRequest] = []
        self.answer: Answer = lambda request: None
        self.silent = False
        self.client = SocketModeClient(
            app_token=emulator.app_token,
            web_client=WebClient(base_url=emulator.api_url, token=emulator.bot_token),
            auto_reconnect_enabled=False,
        )
        self.client.socket_mode_request_listeners.append(self._listen)  # type: ignore[arg-type]

    def _listen(self, client: SocketModeClient, request: SocketModeRequest) -> None:
        self.requests.append(request)
        if not self.silent:
            response = SocketModeResponse(envelope_id=request.envelope_id, payload=self.answer(request))
            client.send_socket_mode_response(response)
