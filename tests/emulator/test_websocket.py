"""The emulator's WebSocket end (the ``websockets`` library's protocol on the HTTP server's socket):
what Socket Mode adds to RFC 6455, and a client that breaks the protocol, seen from a real client."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from websockets.exceptions import ConnectionClosedError
from websockets.sync.client import ClientConnection

from slack_emulator import SlackEmulator

from .socket_apps import receive_json

UNMASKED_TEXT_FRAME = b"\x81\x02hi"  # clients must mask their frames (RFC 6455, 5.1)
RESERVED_BITS_SET = b"\xf1\x80\x00\x00\x00\x00"  # RSV1-3 without a negotiated extension


def send_binary(connection: ClientConnection) -> None:
    connection.send(b"\x00\x01")


def send_text_that_is_not_utf8(connection: ClientConnection) -> None:
    connection.send(b"\xff\xfe", text=True)


def send_unmasked_frame(connection: ClientConnection) -> None:
    connection.socket.sendall(UNMASKED_TEXT_FRAME)


def send_garbage(connection: ClientConnection) -> None:
    connection.socket.sendall(RESERVED_BITS_SET)


@pytest.mark.parametrize(
    ("misbehave", "code"),
    [
        (send_binary, 1003),
        (send_text_that_is_not_utf8, 1007),
        (send_unmasked_frame, 1002),
        (send_garbage, 1002),
    ],
    ids=["a binary message", "text that is not UTF-8", "an unmasked frame", "reserved bits set"],
)
def test_a_client_that_breaks_the_protocol_is_closed_with_the_status_code_and_forgotten(
    emulator: SlackEmulator, raw_socket: ClientConnection, misbehave: Callable[[ClientConnection], None], code: int
) -> None:
    assert emulator.socket_mode.connection_count == 1
    misbehave(raw_socket)
    with pytest.raises(ConnectionClosedError) as caught:
        raw_socket.recv(timeout=5)
    assert caught.value.rcvd is not None and caught.value.rcvd.code == code
    assert emulator.socket_mode.wait_disconnected(timeout=5)
    assert emulator.socket_mode.received() == []
    answer = emulator.as_user("alice").slash("list")
    assert answer.status == 0 and answer.error == "the app has no Socket Mode connection open"


def test_an_ack_sent_in_fragments_is_one_message(emulator: SlackEmulator, raw_socket: ClientConnection) -> None:
    with ThreadPoolExecutor(max_workers=1) as background:
        pending = background.submit(emulator.as_user("alice").slash, "list")
        envelope = receive_json(raw_socket)
        ack = json.dumps({"envelope_id": envelope["envelope_id"], "payload": {"text": "ça marche"}})
        raw_socket.send(iter([ack[:10], ack[10:25], ack[25:]]))
        answer = pending.result(timeout=10)
    assert answer.status == 200 and answer.body == {"text": "ça marche"}
    assert emulator.socket_mode.received() == [json.loads(ack)]


def test_every_message_sent_before_the_close_is_received_in_order(
    emulator: SlackEmulator, raw_socket: ClientConnection
) -> None:
    raw_socket.send('{"first": 1}')
    raw_socket.send('{"second": 2}')
    raw_socket.send("not json")
    raw_socket.close()
    assert emulator.socket_mode.wait_disconnected(timeout=5)
    assert emulator.socket_mode.received() == [{"first": 1}, {"second": 2}, {"unparsed": "not json"}]
