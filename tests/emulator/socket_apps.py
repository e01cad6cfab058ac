"""Socket Mode apps for the emulator's tests: slack_sdk's own client, the ``websockets`` library's
client for tests that need raw control, and how to get a URL."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from websockets.sync.client import ClientConnection, connect

from slack_emulator import SlackEmulator

Answer = Callable[[SocketModeRequest], dict[str, Any] | None]
UPGRADE_HEADERS = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13"}


def open_url(emulator: SlackEmulator) -> str:
    """A fresh Socket Mode URL from ``apps.connections.open``, called as slack_sdk calls it."""
    url: str = WebClient(base_url=emulator.api_url).apps_connections_open(app_token=emulator.app_token)["url"]
    return url


def raw_connection(url: str) -> ClientConnection:
    """The ``websockets`` library's client on ``url``: no proxy, no keepalive pings of its own."""
    return connect(url, proxy=None, ping_interval=None, open_timeout=5, close_timeout=5)


def receive_json(connection: ClientConnection) -> dict[str, Any]:
    """The next text message on ``connection``, as JSON (5 seconds at most)."""
    message: dict[str, Any] = json.loads(connection.recv(timeout=5, decode=True))
    return message


def plain_handshake(url: str, headers: dict[str, str]) -> tuple[http.client.HTTPResponse, str]:
    """An opening handshake sent by the standard library's HTTP client: the response and its body."""
    parts = urlsplit(url)
    assert parts.hostname is not None
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        connection.request("GET", parts.path, headers=headers)
        response = connection.getresponse()
        body = response.read().decode("utf-8") if response.status != 101 else ""
        return response, body
    finally:
        connection.close()


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
