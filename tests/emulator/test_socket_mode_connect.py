"""Socket Mode, connecting: ``apps.connections.open``, the WebSocket endpoint, tickets, hanging up."""

from __future__ import annotations

import threading
import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.emulator import APP_TOKEN, GENERAL, SlackEmulator
from bot.emulator.websocket import CLOSE, PING, PONG

from .socket_apps import SdkApp, open_url
from .ws_client import RawClient


def test_apps_connections_open_with_the_app_token_gives_a_loopback_websocket_url(emulator: SlackEmulator) -> None:
    url = open_url(emulator)
    assert url.startswith(f"ws://127.0.0.1:{emulator.url.rsplit(':', 1)[1]}/socket-mode/")
    assert url != open_url(emulator), "a fresh ticket each time"
    assert emulator.app_token == APP_TOKEN and APP_TOKEN.startswith("xapp-")
    [call, _] = emulator.calls("apps.connections.open")
    assert call.ok and call.args == {}, "the token is not logged"


@pytest.mark.parametrize(
    ("token", "error"),
    [("bot", "not_allowed_token_type"), ("xapp-1-A0OTHER-1-nope", "invalid_auth"), ("xoxb-nope", "invalid_auth")],
)
def test_apps_connections_open_refuses_other_tokens_as_slack_does(
    emulator: SlackEmulator, token: str, error: str
) -> None:
    with pytest.raises(SlackApiError) as caught:
        WebClient(base_url=emulator.api_url).apps_connections_open(
            app_token=emulator.bot_token if token == "bot" else token
        )
    assert caught.value.response.status_code == 200
    assert caught.value.response["error"] == error


def test_apps_connections_open_without_a_token_is_not_authed(emulator: SlackEmulator) -> None:
    with pytest.raises(SlackApiError) as caught:
        WebClient(base_url=emulator.api_url).api_call("apps.connections.open")
    assert caught.value.response["error"] == "not_authed"


def test_the_app_token_calls_no_other_method(emulator: SlackEmulator) -> None:
    with pytest.raises(SlackApiError) as caught:
        WebClient(base_url=emulator.api_url, token=emulator.app_token).chat_postMessage(channel=GENERAL, text="hi")
    assert caught.value.response["error"] == "not_allowed_token_type"
    assert emulator.messages(GENERAL) == []


def test_the_websocket_handshake_answers_the_accept_key_and_slacks_hello_comes_first(emulator: SlackEmulator) -> None:
    client = RawClient(open_url(emulator))
    try:
        status, headers = client.handshake(key="dGhlIHNhbXBsZSBub25jZQ==")
        assert status == 101
        assert headers["upgrade"].lower() == "websocket" and headers["connection"].lower() == "upgrade"
        assert headers["sec-websocket-accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        hello = client.message()
        assert hello["type"] == "hello" and hello["num_connections"] == 1
        assert hello["connection_info"] == {"app_id": "A0EMULATOR"}
        assert set(hello["debug_info"]) == {"host", "build_number", "approximate_connection_time"}
        assert emulator.socket_mode.wait_connected(timeout=2)
    finally:
        client.close()
    assert emulator.socket_mode.wait_disconnected(timeout=2)


def test_a_ticket_opens_one_connection_only(emulator: SlackEmulator) -> None:
    url = open_url(emulator)
    first, second = RawClient(url), RawClient(url)
    try:
        assert first.handshake()[0] == 101
        status, headers = second.handshake()
        assert status == 401 and "apps.connections.open" in second.body(headers)
    finally:
        first.close()
        second.close()


def test_a_malformed_handshake_is_a_400_and_leaves_the_ticket_usable(emulator: SlackEmulator) -> None:
    url = open_url(emulator)
    refused, accepted = RawClient(url), RawClient(url)
    try:
        status, headers = refused.handshake(Sec_WebSocket_Version="8")
        assert status == 400 and "Sec-WebSocket-Version: 13" in refused.body(headers)
        assert accepted.handshake()[0] == 101
    finally:
        refused.close()
        accepted.close()


def test_a_made_up_ticket_is_a_401(emulator: SlackEmulator) -> None:
    client = RawClient(f"ws://{emulator.url.removeprefix('http://')}/socket-mode/made-up")
    try:
        assert client.handshake()[0] == 401
    finally:
        client.close()


def test_pings_get_pongs_and_a_close_gets_a_close(emulator: SlackEmulator) -> None:
    client = RawClient(open_url(emulator))
    try:
        client.handshake()
        client.message()  # hello
        client.send_frame(PING, b"session:1700000000.0")
        pong = client.frame()
        assert (pong.opcode, pong.payload) == (PONG, b"session:1700000000.0")
        client.send_frame(CLOSE, (1000).to_bytes(2, "big"))
        assert client.close_code() == 1000
        assert client.at_end()
    finally:
        client.close()
    assert emulator.socket_mode.wait_disconnected(timeout=2)


def test_after_slacks_disconnect_message_the_client_reconnects_and_actions_still_arrive(
    emulator: SlackEmulator, sdk_app: SdkApp
) -> None:
    assert emulator.socket_mode.send_disconnect("refresh_requested") == 1
    deadline = time.monotonic() + 5
    hub = emulator.socket_mode
    while (hub.connections_opened, hub.connection_count) != (2, 1) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert (hub.connections_opened, hub.connection_count) == (2, 1), "the old connection was closed"
    assert len(emulator.calls("apps.connections.open")) == 2
    assert emulator.as_user("alice").slash("list").status == 200
    with pytest.raises(ValueError, match="disconnect reasons"):
        emulator.socket_mode.send_disconnect("bored")


def test_closing_the_emulator_hangs_up_with_1001_at_once_and_leaves_no_thread() -> None:
    before = set(threading.enumerate())
    emulator = SlackEmulator()
    client = RawClient(open_url(emulator))
    client.handshake()
    client.message()  # hello
    started = time.monotonic()
    emulator.close()
    assert time.monotonic() - started < 2
    assert client.close_code() == 1001
    client.close()
    assert set(threading.enumerate()) - before == set()


def test_an_outage_that_refuses_connections_drops_the_socket_and_up_accepts_new_ones(emulator: SlackEmulator) -> None:
    client = RawClient(open_url(emulator))
    client.handshake()
    client.message()  # hello
    emulator.down(refuse_connections=True)
    assert client.close_code() == 1001
    client.close()
    assert emulator.socket_mode.connection_count == 0
    emulator.up()
    again = RawClient(open_url(emulator))
    try:
        assert again.handshake()[0] == 101
    finally:
        again.close()
