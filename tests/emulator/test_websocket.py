"""The emulator's WebSocket (RFC 6455): handshake, frames, masking, fragments, ping/pong, close."""

from __future__ import annotations

import os
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from bot.emulator.websocket import (
    BINARY,
    CLOSE,
    CONTINUATION,
    PING,
    PONG,
    TEXT,
    ConnectionEnded,
    ProtocolError,
    WebSocket,
    accept_key,
    encode_frame,
    handshake_problem,
    handshake_response,
    read_frame,
)

VALID_HEADERS = {
    "upgrade": "websocket",
    "connection": "keep-alive, Upgrade",
    "sec-websocket-version": "13",
    "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
}


def reader_of(data: bytes) -> Callable[[int], bytes]:
    """A ``read_exact`` over fixed bytes that raises ConnectionEnded at the end."""
    position = 0

    def read_exact(size: int) -> bytes:
        nonlocal position
        if position + size > len(data):
            raise ConnectionEnded("end of stream")
        position += size
        return data[position - size : position]

    return read_exact


def client_frame(opcode: int, payload: bytes = b"", *, fin: bool = True) -> bytes:
    return encode_frame(opcode, payload, fin=fin, mask=os.urandom(4))


@contextmanager
def server_socket() -> Iterator[tuple[WebSocket, socket.socket]]:
    """A server-side WebSocket on one end of a socket pair; the test plays the client on the other."""
    server_end, client_end = socket.socketpair()
    client_end.settimeout(5)
    reader = server_end.makefile("rb")
    try:
        yield WebSocket(server_end, reader.read), client_end
    finally:
        reader.close()
        server_end.close()
        client_end.close()


def server_frames(websocket: WebSocket, client_end: socket.socket) -> list[tuple[int, bytes]]:
    """Every frame the server sent (opcode, payload), read after it shut its connection down."""
    websocket.abort()
    data = b""
    while chunk := client_end.recv(65536):
        data += chunk
    read_exact = reader_of(data)
    frames: list[tuple[int, bytes]] = []
    while True:
        try:
            frame = read_frame(read_exact, from_client=False)
        except ConnectionEnded:
            return frames
        frames.append((frame.opcode, frame.payload))


def test_the_accept_key_is_the_one_rfc_6455_gives_for_its_sample_nonce() -> None:
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_the_handshake_answer_is_101_with_upgrade_headers_and_the_accept_key() -> None:
    answer = handshake_response("dGhlIHNhbXBsZSBub25jZQ==").decode("ascii")
    assert answer.startswith("HTTP/1.1 101 Switching Protocols\r\n")
    assert "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" in answer
    assert answer.endswith("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")


def test_a_valid_handshake_has_no_problem() -> None:
    assert handshake_problem(VALID_HEADERS) is None


@pytest.mark.parametrize(
    ("header", "value", "problem"),
    [
        ("upgrade", "h2c", "Upgrade: websocket"),
        ("connection", "keep-alive", "Connection: Upgrade"),
        ("sec-websocket-version", "8", "Version: 13"),
        ("sec-websocket-key", "c2hvcnQ=", "16 bytes"),
        ("sec-websocket-key", "not base64!", "16 bytes"),
    ],
)
def test_a_handshake_missing_what_rfc_6455_requires_is_refused_naming_it(header: str, value: str, problem: str) -> None:
    assert problem in str(handshake_problem({**VALID_HEADERS, header: value}))


@pytest.mark.parametrize("length", [0, 1, 125, 126, 65535, 65536, 70000])
def test_every_length_encoding_reads_back_the_same_payload_masked_or_not(length: int) -> None:
    payload = os.urandom(length)
    masked = read_frame(reader_of(client_frame(BINARY, payload)))
    unmasked = read_frame(reader_of(encode_frame(BINARY, payload)), from_client=False)
    assert masked.payload == payload and unmasked.payload == payload
    assert (masked.fin, masked.opcode) == (True, BINARY)


def test_the_length_field_uses_7_16_or_64_bits_as_rfc_6455_says() -> None:
    assert encode_frame(TEXT, b"x" * 125)[1] == 125
    assert encode_frame(TEXT, b"x" * 126)[1:4] == bytes([126]) + struct.pack("!H", 126)
    assert encode_frame(TEXT, b"x" * 65536)[1:10] == bytes([127]) + struct.pack("!Q", 65536)


def test_a_masked_frame_carries_the_mask_bit_and_a_scrambled_payload() -> None:
    wire = encode_frame(TEXT, b"hello", mask=b"\x01\x02\x03\x04")
    assert wire[1] & 0x80 and wire[2:6] == b"\x01\x02\x03\x04"
    assert wire[6:] == bytes(a ^ b for a, b in zip(b"hello", b"\x01\x02\x03\x04\x01", strict=True))


@pytest.mark.parametrize(
    ("wire", "reason"),
    [
        (encode_frame(TEXT, b"hi"), "must be masked"),
        (bytes([0x80 | 0x40 | TEXT]) + client_frame(TEXT, b"hi")[1:], "reserved bits"),
        (bytes([0x80 | 0x3]) + client_frame(TEXT, b"hi")[1:], "unknown opcode"),
        (client_frame(PING, b"x" * 126), "control frames"),
        (client_frame(PING, b"x", fin=False), "control frames"),
    ],
)
def test_a_frame_rfc_6455_forbids_is_a_protocol_error(wire: bytes, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason) as caught:
        read_frame(reader_of(wire))
    assert caught.value.code == 1002


def test_a_text_message_is_received_and_a_text_message_sent_unmasked() -> None:
    with server_socket() as (websocket, client):
        client.sendall(client_frame(TEXT, "héllo".encode()))
        assert websocket.receive() == "héllo"
        websocket.send_text('{"ok": true}')
        assert server_frames(websocket, client) == [(TEXT, b'{"ok": true}')]


def test_a_fragmented_message_is_joined_and_a_ping_in_between_is_answered_with_its_payload() -> None:
    with server_socket() as (websocket, client):
        client.sendall(
            client_frame(TEXT, b"frag", fin=False)
            + client_frame(PING, b"are you there")
            + client_frame(CONTINUATION, b"men", fin=False)
            + client_frame(CONTINUATION, b"ted")
        )
        assert websocket.receive() == "fragmented"
        assert server_frames(websocket, client) == [(PONG, b"are you there")]


def test_a_pong_from_the_client_is_kept() -> None:
    with server_socket() as (websocket, client):
        websocket.send_ping(b"1")
        client.sendall(client_frame(PONG, b"1") + client_frame(TEXT, b"after"))
        assert websocket.receive() == "after"
        assert websocket.pongs == [b"1"]


def test_a_close_from_the_client_is_answered_with_the_same_code_and_ends_receiving() -> None:
    with server_socket() as (websocket, client):
        client.sendall(client_frame(CLOSE, struct.pack("!H", 1001) + b"bye"))
        assert websocket.receive() is None
        assert websocket.close_received == 1001
        assert server_frames(websocket, client) == [(CLOSE, struct.pack("!H", 1001))]
        with pytest.raises(ConnectionEnded):
            websocket.send_text("too late")


def test_an_empty_close_is_answered_with_1000() -> None:
    with server_socket() as (websocket, client):
        client.sendall(client_frame(CLOSE))
        assert websocket.receive() is None
        assert websocket.close_received == 1005
        assert server_frames(websocket, client) == [(CLOSE, struct.pack("!H", 1000))]


@pytest.mark.parametrize(
    ("wire", "code"),
    [
        (encode_frame(TEXT, b"unmasked"), 1002),
        (client_frame(CONTINUATION, b"orphan"), 1002),
        (client_frame(TEXT, b"one", fin=False) + client_frame(TEXT, b"two"), 1002),
        (client_frame(BINARY, b"\x00\x01"), 1003),
        (client_frame(TEXT, b"\xff\xfe"), 1007),
    ],
    ids=["unmasked", "orphan continuation", "new message inside a fragmented one", "binary", "invalid utf-8"],
)
def test_a_misbehaving_client_gets_a_close_frame_with_the_rfc_status_code(wire: bytes, code: int) -> None:
    with server_socket() as (websocket, client):
        client.sendall(wire)
        assert websocket.receive() is None
        [(opcode, payload)] = server_frames(websocket, client)
        assert opcode == CLOSE and struct.unpack("!H", payload[:2])[0] == code


def test_the_end_of_the_stream_ends_receiving_without_a_close_frame() -> None:
    with server_socket() as (websocket, client):
        client.sendall(client_frame(TEXT, b"partial")[:4])
        client.shutdown(socket.SHUT_WR)
        assert websocket.receive() is None
        assert websocket.close_sent is None


def test_abort_releases_a_receive_blocked_in_another_thread() -> None:
    with server_socket() as (websocket, _client):
        results: list[str | None] = []
        reader = threading.Thread(target=lambda: results.append(websocket.receive()))
        reader.start()
        websocket.abort()
        reader.join(timeout=5)
        assert not reader.is_alive() and results == [None]
