"""The server end of a Socket Mode WebSocket: the ``websockets`` library's protocol on a socket.

RFC 6455 itself (the opening handshake, frames, masking, ping and pong, the closing handshake, the
close codes for a client that breaks the protocol) is the library's Sans-I/O ``ServerProtocol``;
this module only moves bytes between it and the socket of the upgraded HTTP request, and adds what
Slack does on top: text messages only (a binary message is closed with ``1003 unsupported data``,
a text message that is not UTF-8 with ``1007 invalid data``).

``WebSocket`` is what ``socket_mode.SocketModeHub`` uses: ``send_text``, ``send_close``,
``receive`` (None once the connection is closed) and ``abort``. One thread reads; any thread may
send (a lock serialises every use of the protocol and every write).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

from websockets.datastructures import Headers
from websockets.exceptions import InvalidState
from websockets.frames import CloseCode, Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State
from websockets.server import ServerProtocol

NORMAL_CLOSURE, GOING_AWAY = CloseCode.NORMAL_CLOSURE, CloseCode.GOING_AWAY
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
CLOSE_TIMEOUT = 2.0  # how long a closed connection waits for the client to hang up its TCP side
LOGGER = logging.getLogger(__name__)
LOGGER.setLevel(logging.WARNING)  # the library's "connection open/closed" chatter stays out of the app's logs


class ConnectionEnded(Exception):
    """The connection is closing or closed: nothing more can be sent."""


class WebSocket:
    """One WebSocket connection on ``sock``; ``read(size)`` returns what is available (b"" at the end).

    ``read`` is the HTTP server's buffered reader, so bytes the client sent right after its
    handshake request are not lost.
    """

    def __init__(self, sock: socket.socket, read: Callable[[int], bytes]) -> None:
        self._sock = sock
        self._read = read
        self._lock = threading.Lock()
        self._protocol = ServerProtocol(max_size=MAX_MESSAGE_BYTES, logger=LOGGER)
        self._messages: deque[str] = deque()
        self._fragments: list[bytes] = []

    def accept(
        self,
        method: str,
        path: str,
        version: str,
        headers: Iterable[tuple[str, str]],
        refusal: Callable[[], str | None],
    ) -> bool:
        """Answer the opening handshake the HTTP server parsed; True once ``101`` was sent.

        The library checks the request and refuses a bad one itself (400, 426, ... naming what is
        wrong); ``refusal()`` is asked only about a valid one, and its text is answered ``401``.
        """
        request = Request(path, Headers(list(headers)), method, version)
        with self._lock:
            try:
                # The library's parser expects the request's bytes before frames: give it them back.
                self._protocol.receive_data(request.serialize())
            except UnicodeEncodeError:
                pass
            parsed = [event for event in self._protocol.events_received() if isinstance(event, Request)]
            if not parsed:  # the library refused to parse it: answer 400 unless it answered itself
                pending = self._protocol.data_to_send()
                if not any(pending):
                    refused = self._protocol.reject(400, "Failed to open a WebSocket connection.\n")
                    pending.insert(0, refused.serialize())
                self._write(pending)
                return False
            response = self._protocol.accept(parsed[0])
            if response.status_code == 101 and (problem := refusal()) is not None:
                response = self._protocol.reject(401, problem)
            self._protocol.send_response(response)
            self._flush()
            return response.status_code == 101

    def send_text(self, text: str) -> None:
        """Send one text message; ``ConnectionEnded`` once the connection is closing."""
        with self._lock:
            try:
                self._protocol.send_text(text.encode("utf-8"))
            except InvalidState:
                raise ConnectionEnded(f"the connection is {self._protocol.state.name.lower()}") from None
            self._write(self._protocol.data_to_send(), quiet=False)

    def send_close(self, code: int = NORMAL_CLOSURE, reason: str = "") -> None:
        """Start the closing handshake (at most once); later sends raise ``ConnectionEnded``."""
        with self._lock:
            if self._protocol.state is not State.OPEN:
                return
            self._protocol.send_close(code, reason)
            self._flush()

    def abort(self) -> None:
        """Shut the TCP connection down both ways: a blocked ``receive`` returns None at once."""
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def receive(self) -> str | None:
        """The next text message; None once the connection is closed (close frame, error or EOF)."""
        while not self._messages:
            with self._lock:
                if self._ended():
                    return None
            self._pump(keep=True)
        return self._messages.popleft()

    def wait_closed(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Once ``receive`` gave None, or after ``send_close``: finish the closing handshake.

        Reads (and drops messages) until the client closes TCP, ``timeout`` seconds at most: a
        close frame still on its way is answered, and the socket is not closed with unread bytes
        (which would reset the connection and could lose the close frame sent to the client).
        """
        deadline = time.monotonic() + timeout
        while self._protocol.state is not State.CLOSED and (left := deadline - time.monotonic()) > 0:
            try:
                self._sock.settimeout(left)
            except OSError:
                return
            if not self._pump(keep=False):
                return

    def _pump(self, *, keep: bool) -> bool:
        """Read once and feed the protocol; ``keep`` the text messages. False when reading timed out."""
        timed_out = False
        try:
            data = self._read(65536)
        except TimeoutError:
            data, timed_out = b"", True
        except OSError:
            data = b""
        with self._lock:
            if data:
                self._protocol.receive_data(data)
            else:
                self._protocol.receive_eof()
            events = self._protocol.events_received()
            if keep:
                self._take(events)
            self._flush()
        return not timed_out

    def _ended(self) -> bool:
        """Whether the client's close frame came, the connection failed or TCP ended."""
        protocol = self._protocol
        return protocol.state is State.CLOSED or protocol.close_rcvd is not None or protocol.eof_sent

    def _take(self, events: Iterable[object]) -> None:
        """Keep the text messages of ``events``; fail the connection on what Socket Mode never sends."""
        for event in events:
            if not isinstance(event, Frame) or event.opcode not in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT):
                continue
            if event.opcode is Opcode.BINARY:
                self._protocol.fail(CloseCode.UNSUPPORTED_DATA, "binary messages are not part of Socket Mode")
                return
            self._fragments.append(bytes(event.data))
            if not event.fin:
                continue
            data, self._fragments = b"".join(self._fragments), []
            try:
                self._messages.append(data.decode("utf-8"))
            except UnicodeDecodeError:
                self._protocol.fail(CloseCode.INVALID_DATA, "text messages must be UTF-8")
                return

    def _flush(self) -> None:
        """Write what the protocol has to send (caller holds the lock)."""
        self._write(self._protocol.data_to_send())

    def _write(self, chunks: list[bytes], *, quiet: bool = True) -> None:
        """Send ``chunks``; b"" is the protocol's end of stream (half-close). ``quiet`` swallows OSError."""
        try:
            for chunk in chunks:
                if chunk:
                    self._sock.sendall(chunk)
                else:
                    self._sock.shutdown(socket.SHUT_WR)
        except OSError:
            if not quiet:
                raise
