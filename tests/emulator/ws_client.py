"""A bare WebSocket client for the tests: raw handshakes and hand-made frames, nothing hidden."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from bot.emulator.websocket import CLOSE, TEXT, Frame, encode_frame, read_frame


def new_key() -> str:
    """A fresh ``Sec-WebSocket-Key``: 16 random bytes in base64."""
    return base64.b64encode(os.urandom(16)).decode("ascii")


def handshake_request(path: str, host: str, key: str, **overrides: str | None) -> bytes:
    """A client's opening handshake; ``overrides`` replace (or with None drop) headers."""
    headers: dict[str, str | None] = {
        "Host": host,
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": key,
        "Sec-WebSocket-Version": "13",
    }
    headers.update({name.replace("_", "-"): value for name, value in overrides.items()})
    lines = [f"GET {path} HTTP/1.1", *(f"{name}: {value}" for name, value in headers.items() if value is not None)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


class RawClient:
    """One TCP connection to a ``ws://`` URL; ``handshake`` then frames in both directions."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        parts = urlsplit(url)
        assert parts.hostname is not None and parts.port is not None
        self.host = f"{parts.hostname}:{parts.port}"
        self.path = parts.path
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        self.reader = self.sock.makefile("rb")

    def handshake(self, key: str | None = None, **overrides: str | None) -> tuple[int, dict[str, str]]:
        """Send the opening handshake; the status and the headers (lower-case names) answered."""
        self.sock.sendall(handshake_request(self.path, self.host, key or new_key(), **overrides))
        status_line = self.reader.readline().decode("ascii")
        headers: dict[str, str] = {}
        while (line := self.reader.readline().decode("ascii").strip()) != "":
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return int(status_line.split()[1]), headers

    def body(self, headers: dict[str, str]) -> str:
        """The body of a refused handshake."""
        return self.reader.read(int(headers["content-length"])).decode("utf-8")

    def send_frame(self, opcode: int, payload: bytes = b"", *, fin: bool = True, masked: bool = True) -> None:
        """Send one frame, masked as a client must (unless told otherwise)."""
        self.sock.sendall(encode_frame(opcode, payload, fin=fin, mask=os.urandom(4) if masked else None))

    def send_json(self, message: dict[str, Any]) -> None:
        """Send one JSON text message."""
        self.send_frame(TEXT, json.dumps(message).encode())

    def frame(self) -> Frame:
        """The next frame from the server (which must not be masked)."""
        return read_frame(self._read_exact, from_client=False)

    def message(self) -> dict[str, Any]:
        """The next text frame, as JSON."""
        frame = self.frame()
        assert frame.opcode == TEXT, f"expected a text frame, got opcode {frame.opcode}"
        decoded: dict[str, Any] = json.loads(frame.payload)
        return decoded

    def close_code(self) -> int:
        """Read frames until the server's close frame; its status code."""
        while (frame := self.frame()).opcode != CLOSE:
            continue
        code: int = struct.unpack("!H", frame.payload[:2])[0]
        return code

    def at_end(self) -> bool:
        """Whether the server closed the TCP connection (nothing more to read)."""
        return self.reader.read(1) == b""

    def _read_exact(self, size: int) -> bytes:
        data = self.reader.read(size)
        if len(data) < size:
            raise EOFError("the server closed the connection")
        return data

    def close(self) -> None:
        """Drop the connection."""
        self.reader.close()
        self.sock.close()


class RawApp:
    """A bare Socket Mode app on a ``RawClient``: a thread acks each envelope with ``answer(envelope)``.

    ``silent = True`` stops acking. Every envelope received is kept in ``envelopes``.
    """

    def __init__(self, url: str) -> None:
        self.client = RawClient(url)
        status, _ = self.client.handshake()
        assert status == 101
        self.hello = self.client.message()
        self.envelopes: list[dict[str, Any]] = []
        self.answer: Callable[[dict[str, Any]], dict[str, Any] | None] = lambda envelope: None
        self.silent = False
        self._thread = threading.Thread(target=self._run, name="raw-socket-mode-app")
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                frame = self.client.frame()
            except (EOFError, OSError, ValueError):
                return
            if frame.opcode == CLOSE:
                return
            if frame.opcode != TEXT:
                continue
            envelope: dict[str, Any] = json.loads(frame.payload)
            self.envelopes.append(envelope)
            if self.silent or "envelope_id" not in envelope:
                continue
            ack: dict[str, Any] = {"envelope_id": envelope["envelope_id"]}
            payload = self.answer(envelope)
            if payload is not None:
                ack["payload"] = payload
            self.client.send_json(ack)

    def close(self) -> None:
        """Hang up and wait for the reading thread."""
        try:
            self.client.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._thread.join(timeout=5)
        self.client.close()
