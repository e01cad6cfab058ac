"""Socket Mode, connecting: ``apps.connections.open``, the WebSocket endpoint, tickets, hanging up."""

from __future__ import annotations

import threading
import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from websockets.exceptions import ConnectionClosed, InvalidStatus

from slack_emulator import APP_TOKEN, GENERAL, SlackEmulator

from .socket_apps import UPGRADE_HEADERS, SdkApp, open_url, plain_handshake, raw_connection, receive_json

RFC_SAMPLE_KEY, RFC_SAMPLE_ACCEPT = "dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


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


def test_the_websocket_handshake_answers_the_accept_key_of_rfc_6455s_sample_nonce(emulator: SlackEmulator) -> None:
    response, _ = plain_handshake(open_url(emulator), {**UPGRADE_HEADERS, "Sec-WebSocket-Key": RFC_SAMPLE_KEY})
    assert response.status == 101
    assert response.getheader("Upgrade", "").lower() == "websocket"
    assert response.getheader("Connection", "").lower() == "upgrade"
    assert response.getheader("Sec-WebSocket-Accept") == RFC_SAMPLE_ACCEPT


def test_slacks_hello_comes_first_on_a_connection(emulator: SlackEmulator) -> None:
    with raw_connection(open_url(emulator)) as connection:
        hello = receive_json(connection)
        assert hello["type"] == "hello" and hello["num_connections"] == 1
        assert hello["connection_info"] == {"app_id": "A0EMULATOR"}
        assert set(hello["debug_info"]) == {"host", "build_number", "approximate_connection_time"}
        assert emulator.socket_mode.wait_connected(timeout=5)
    assert emulator.socket_mode.wait_disconnected(timeout=5)


def test_a_ticket_opens_one_connection_only(emulator: SlackEmulator) -> None:
    url = open_url(emulator)
    with raw_connection(url):
        with pytest.raises(InvalidStatus) as caught:
            raw_connection(url)
    assert caught.value.response.status_code == 401
    assert b"apps.connections.open" in caught.value.response.body
    assert emulator.socket_mode.connections_opened == 1


@pytest.mark.parametrize(
    ("headers", "status", "named"),
    [
        ({**UPGRADE_HEADERS, "Sec-WebSocket-Version": "8", "Sec-WebSocket-Key": RFC_SAMPLE_KEY}, 400, "Version"),
        ({**UPGRADE_HEADERS, "Sec-WebSocket-Key": "c2hvcnQ="}, 400, "Sec-WebSocket-Key"),
        ({"Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": RFC_SAMPLE_KEY}, 426, "Connection"),
        ({**UPGRADE_HEADERS, "Sec-WebSocket-Key": RFC_SAMPLE_KEY, "Content-Length": "5"}, 400, "WebSocket"),
    ],
    ids=["an old protocol version", "a key that is not 16 bytes", "no upgrade asked", "a request with a body"],
)
def test_a_malformed_handshake_is_refused_naming_the_problem_and_leaves_the_ticket_usable(
    emulator: SlackEmulator, headers: dict[str, str], status: int, named: str
) -> None:
    url = open_url(emulator)
    response, body = plain_handshake(url, headers)
    assert response.status == status and named in body
    assert emulator.socket_mode.connections_opened == 0
    with raw_connection(url) as connection:
        assert receive_json(connection)["type"] == "hello"


def test_a_made_up_ticket_is_a_401(emulator: SlackEmulator) -> None:
    with pytest.raises(InvalidStatus) as caught:
        raw_connection(f"ws://{emulator.url.removeprefix('http://')}/socket-mode/made-up")
    assert caught.value.response.status_code == 401
    assert emulator.socket_mode.connections_opened == 0


def test_pings_get_pongs_and_a_close_gets_a_close(emulator: SlackEmulator) -> None:
    with raw_connection(open_url(emulator)) as connection:
        receive_json(connection)  # hello
        assert connection.ping(b"session:1700000000.0").wait(timeout=5), "the pong with the ping's payload came"
        connection.close(1000)
        assert connection.close_code == 1000, "the close was answered with the same code, then TCP ended"
    assert emulator.socket_mode.wait_disconnected(timeout=5)


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
    with raw_connection(open_url(emulator)) as connection:
        receive_json(connection)  # hello
        started = time.monotonic()
        emulator.close()
        assert time.monotonic() - started < 2
        with pytest.raises(ConnectionClosed) as caught:
            connection.recv(timeout=5)
        assert caught.value.rcvd is not None and caught.value.rcvd.code == 1001
    assert set(threading.enumerate()) - before == set()


def test_an_outage_that_refuses_connections_drops_the_socket_and_up_accepts_new_ones(emulator: SlackEmulator) -> None:
    with raw_connection(open_url(emulator)) as connection:
        receive_json(connection)  # hello
        emulator.down(refuse_connections=True)
        with pytest.raises(ConnectionClosed) as caught:
            connection.recv(timeout=5)
        assert caught.value.rcvd is not None and caught.value.rcvd.code == 1001
    assert emulator.socket_mode.connection_count == 0
    emulator.up()
    with raw_connection(open_url(emulator)) as again:
        assert receive_json(again)["type"] == "hello"
