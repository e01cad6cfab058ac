"""The WebSocket protocol (RFC 6455), server side, on the standard library only.

What the emulator's Socket Mode endpoint needs and no more: the opening handshake
(``Sec-WebSocket-Accept``), frames of every length encoding, masking (clients must mask, the
server must not), text messages, fragmented messages with control frames in between, ping and
pong, and the closing handshake. Binary messages and extensions are refused (Slack uses neither):
an offending client gets a close frame with the RFC's status code.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import socket
import struct
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
CONTROL_OPCODES = frozenset({CLOSE, PING, PONG})
KNOWN_OPCODES = frozenset({CONTINUATION, TEXT, BINARY, *CONTROL_OPCODES})
NORMAL_CLOSURE, GOING_AWAY, PROTOCOL_ERROR, UNSUPPORTED_DATA = 1000, 1001, 1002, 1003
NO_STATUS, INVALID_PAYLOAD, MESSAGE_TOO_BIG = 1005, 1007, 1009
MAX_MESSAGE_BYTES = 16 * 1024 * 1024


class ConnectionEnded(Exception):
    """The peer closed the TCP connection (or it broke) in the middle of nowhere."""


class ProtocolError(Exception):
    """The peer broke RFC 6455; ``code`` is the close status to answer with."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Frame:
    """One frame as read from the wire, unmasked."""

    fin: bool
    opcode: int
    payload: bytes


def accept_key(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` value for a client's ``Sec-WebSocket-Key``."""
    digest = hashlib.sha1((key + GUID).encode("ascii"), usedforsecurity=False).digest()
    return base64.b64encode(digest).decode("ascii")


def handshake_problem(headers: Mapping[str, str]) -> str | None:
    """What is wrong with an opening handshake's headers (keys in lower case), None when valid."""
    if headers.get("upgrade", "").strip().lower() != "websocket":
        return "Upgrade: websocket is required"
    if "upgrade" not in [token.strip().lower() for token in headers.get("connection", "").split(",")]:
        return "Connection: Upgrade is required"
    if headers.get("sec-websocket-version", "").strip() != "13":
        return "Sec-WebSocket-Version: 13 is required"
    try:
        nonce = base64.b64decode(headers.get("sec-websocket-key", "").strip(), validate=True)
    except binascii.Error:
        nonce = b""
    if len(nonce) != 16:
        return "Sec-WebSocket-Key must be 16 bytes in base64"
    return None


def handshake_response(key: str) -> bytes:
    """The server's ``101 Switching Protocols`` answer to a valid handshake."""
    lines = [
        "HTTP/1.1 101 Switching Protocols",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Accept: {accept_key(key.strip())}",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def encode_frame(opcode: int, payload: bytes = b"", *, fin: bool = True, mask: bytes | None = None) -> bytes:
    """One frame on the wire; ``mask`` (4 bytes) masks it, as clients must and servers must not."""
    head = bytes([(0x80 if fin else 0) | opcode])
    mask_bit = 0x80 if mask is not None else 0
    length = len(payload)
    if length < 126:
        head += bytes([mask_bit | length])
    elif length < 1 << 16:
        head += bytes([mask_bit | 126]) + struct.pack("!H", length)
    else:
        head += bytes([mask_bit | 127]) + struct.pack("!Q", length)
    if mask is None:
        return head + payload
    return head + mask + apply_mask(payload, mask)


def apply_mask(payload: bytes, mask: bytes) -> bytes:
    """XOR ``payload`` with the 4-byte ``mask`` (masking and unmasking are the same)."""
    repeated = (mask * (len(payload) // 4 + 1))[: len(payload)]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(len(payload), "big")


def read_frame(read_exact: Callable[[int], bytes], *, from_client: bool = True) -> Frame:
    """Read one frame; a server reads ``from_client`` frames, which must be masked.

    Raises ``ConnectionEnded`` at end of stream and ``ProtocolError`` for a frame RFC 6455 forbids.
    """
    first, second = read_exact(2)
    fin, opcode, masked = bool(first & 0x80), first & 0x0F, bool(second & 0x80)
    if first & 0x70:
        raise ProtocolError(PROTOCOL_ERROR, "reserved bits set without a negotiated extension")
    if opcode not in KNOWN_OPCODES:
        raise ProtocolError(PROTOCOL_ERROR, f"unknown opcode {opcode:#x}")
    if masked != from_client:
        raise ProtocolError(PROTOCOL_ERROR, "client frames must be masked" if from_client else "server frames are not")
    length = second & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", read_exact(2))
    elif length == 127:
        (length,) = struct.unpack("!Q", read_exact(8))
    if opcode in CONTROL_OPCODES and (length > 125 or not fin):
        raise ProtocolError(PROTOCOL_ERROR, "control frames are unfragmented and at most 125 bytes")
    if length > MAX_MESSAGE_BYTES:
        raise ProtocolError(MESSAGE_TOO_BIG, f"frame of {length} bytes")
    mask = read_exact(4) if masked else None
    payload = read_exact(length) if length else b""
    return Frame(fin, opcode, apply_mask(payload, mask) if mask is not None else payload)


def close_payload(code: int, reason: str = "") -> bytes:
    """The body of a close frame: the status code, then the reason in UTF-8."""
    return struct.pack("!H", code) + reason.encode("utf-8")[:123]


class WebSocket:
    """The server's end of one WebSocket connection, after the handshake.

    One thread reads (``receive``); any thread may send (a lock keeps frames whole). Pings are
    answered with pongs as they arrive; a close frame is answered with a close frame.
    """

    def __init__(self, sock: socket.socket, read: Callable[[int], bytes]) -> None:
        self._sock = sock
        self._read = read
        self._send_lock = threading.Lock()
        self.close_sent: int | None = None
        self.close_received: int | None = None
        self.pongs: list[bytes] = []

    def _read_exact(self, size: int) -> bytes:
        chunks: list[bytes] = []
        missing = size
        while missing:
            try:
                chunk = self._read(missing)
            except OSError as error:
                raise ConnectionEnded(repr(error)) from None
            if not chunk:
                raise ConnectionEnded("end of stream")
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    def _send(self, opcode: int, payload: bytes) -> None:
        with self._send_lock:
            if self.close_sent is not None:
                raise ConnectionEnded("the close frame was already sent")
            self._sock.sendall(encode_frame(opcode, payload))

    def send_text(self, text: str) -> None:
        """Send one text message (unfragmented); ``ConnectionEnded`` once closing."""
        self._send(TEXT, text.encode("utf-8"))

    def send_ping(self, payload: bytes = b"") -> None:
        """Send a ping; the peer's pong lands in ``pongs``."""
        self._send(PING, payload)

    def send_close(self, code: int = NORMAL_CLOSURE, reason: str = "") -> None:
        """Start (or answer) the closing handshake; later sends are refused. Sends at most once."""
        with self._send_lock:
            if self.close_sent is not None:
                return
            self.close_sent = code
            try:
                self._sock.sendall(encode_frame(CLOSE, close_payload(code, reason)))
            except OSError:
                pass

    def abort(self) -> None:
        """Shut the TCP connection down both ways: a blocked ``receive`` returns None at once."""
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def receive(self) -> str | None:
        """The next text message; None once the connection is closed (close frame, error or EOF)."""
        parts: list[bytes] = []
        size = 0
        while True:
            try:
                frame = read_frame(self._read_exact)
                if frame.opcode in CONTROL_OPCODES:
                    if self._control(frame):
                        return None
                    continue
                if (frame.opcode == CONTINUATION) != bool(parts):
                    raise ProtocolError(PROTOCOL_ERROR, "a continuation frame must follow an unfinished message")
                if frame.opcode == BINARY:
                    raise ProtocolError(UNSUPPORTED_DATA, "binary messages are not part of Socket Mode")
                size += len(frame.payload)
                if size > MAX_MESSAGE_BYTES:
                    raise ProtocolError(MESSAGE_TOO_BIG, f"message of more than {MAX_MESSAGE_BYTES} bytes")
                parts.append(frame.payload)
                if frame.fin:
                    return self._text(b"".join(parts))
            except ProtocolError as error:
                self.send_close(error.code, error.reason)
                return None
            except ConnectionEnded:
                return None

    def _control(self, frame: Frame) -> bool:
        """Handle a control frame; True when it closed the connection."""
        if frame.opcode == PING:
            try:
                self._send(PONG, frame.payload)
            except (ConnectionEnded, OSError):
                pass
            return False
        if frame.opcode == PONG:
            self.pongs.append(frame.payload)
            return False
        if len(frame.payload) == 1:
            raise ProtocolError(PROTOCOL_ERROR, "a close payload has a 2-byte status code")
        self.close_received = struct.unpack("!H", frame.payload[:2])[0] if frame.payload else NO_STATUS
        self.send_close(NORMAL_CLOSURE if self.close_received == NO_STATUS else self.close_received)
        return True

    @staticmethod
    def _text(data: bytes) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(INVALID_PAYLOAD, "text messages must be UTF-8") from None
