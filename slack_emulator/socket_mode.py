"""Slack's Socket Mode side: WebSocket URLs, the app's connections, envelopes and their acks.

The app calls ``apps.connections.open`` with its app-level token (``xapp-...``) and gets a
``ws://127.0.0.1:<port>/socket-mode/<ticket>`` URL; each ticket opens one connection. On
connect the emulator sends Slack's ``hello``. It then delivers what people do as envelopes,
in Slack's documented format::

    {"envelope_id": "...", "type": "slash_commands" | "interactive" | "events_api",
     "payload": {...}, "accepts_response_payload": true | false}

(``events_api`` envelopes also carry ``retry_attempt`` and ``retry_reason``) and waits up to
3 seconds, as Slack does, for the app's acknowledgement ``{"envelope_id": "...", "payload": {...}}``
on the same connection. With several connections open, the newest one gets the envelopes.
``send_disconnect`` sends Slack's ``disconnect`` message; the emulator then closes those
connections as soon as the app has opened a newer one (the app refreshes its connection).

``SocketModeHub`` is thread-safe: the HTTP server's threads serve the connections while the
test's thread delivers envelopes and waits.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field

from slack_emulator.app_connection import SLACK_ACK_SECONDS, AppResponse
from slack_emulator.records import JSON
from slack_emulator.websocket import GOING_AWAY, NORMAL_CLOSURE, ConnectionEnded, WebSocket

APP_TOKEN = "xapp-emulator-token"  # noqa: S105 - a fixed fake app-level token, only valid against the emulator
SOCKET_MODE_PATH = "/socket-mode/"
DEBUG_HOST = "applink-emulator"
APPROXIMATE_CONNECTION_SECONDS = 18060  # Slack refreshes a connection after about five hours
DISCONNECT_REASONS = frozenset({"warning", "refresh_requested", "link_disabled"})


@dataclass
class Connection:
    """One open Socket Mode connection of the app."""

    number: int
    websocket: WebSocket


@dataclass
class Waiter:
    """An envelope sent on ``connection`` whose acknowledgement is awaited."""

    connection: Connection
    done: threading.Event = field(default_factory=threading.Event)
    ack: JSON | None = None


class SocketModeHub:
    """Socket Mode tickets, the app's open connections and the envelopes awaiting an ack."""

    def __init__(self, *, app_id: str, app_token: str = APP_TOKEN) -> None:
        self.app_id = app_id
        self.app_token = app_token
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._tickets: set[str] = set()
        self._connections: list[Connection] = []
        self._waiting: dict[str, Waiter] = {}
        self._received: list[JSON] = []
        self._retiring: list[Connection] = []
        self._opened = 0
        self._refusing = False

    # what the Web API and the HTTP server call

    def open_url(self, base_url: str) -> str:
        """A fresh single-use WebSocket URL under the emulator's ``http://`` ``base_url``."""
        ticket = secrets.token_urlsafe(16)
        with self._lock:
            self._tickets.add(ticket)
        return f"ws://{base_url.removeprefix('http://')}{SOCKET_MODE_PATH}{ticket}"

    def take_ticket(self, ticket: str) -> bool:
        """Use up a ticket; False when it is unknown or already used."""
        with self._lock:
            if ticket not in self._tickets:
                return False
            self._tickets.discard(ticket)
            return True

    def serve(self, websocket: WebSocket) -> None:
        """Run one connection until it closes: say hello, then read the app's messages."""
        with self._changed:  # greeted and listed at once, so that close_all cannot miss it
            if self._refusing:
                websocket.send_close(GOING_AWAY, "the emulator is stopping")
                return
            self._opened += 1
            connection = Connection(self._opened, websocket)
            try:
                websocket.send_text(json.dumps(self.hello(len(self._connections) + 1)))
            except (ConnectionEnded, OSError):
                return
            self._connections.append(connection)
            for old in [old for old in self._retiring if old.number < connection.number]:
                old.websocket.send_close(NORMAL_CLOSURE, "refreshed")
                self._retiring.remove(old)
            self._changed.notify_all()
        try:
            while (text := websocket.receive()) is not None:
                self._on_message(text)
        finally:
            self._forget(connection)

    def hello(self, num_connections: int) -> JSON:
        """Slack's ``hello`` message, sent first on every connection."""
        return {
            "type": "hello",
            "num_connections": num_connections,
            "debug_info": {
                "host": DEBUG_HOST,
                "build_number": 1,
                "approximate_connection_time": APPROXIMATE_CONNECTION_SECONDS,
            },
            "connection_info": {"app_id": self.app_id},
        }

    def _on_message(self, text: str) -> None:
        try:
            message = json.loads(text)
        except json.JSONDecodeError:
            message = {"unparsed": text}
        if not isinstance(message, dict):
            message = {"unparsed": text}
        with self._lock:
            self._received.append(message)
            waiter = self._waiting.get(str(message.get("envelope_id")))
            if waiter is not None and not waiter.done.is_set():
                waiter.ack = message
                waiter.done.set()

    def _forget(self, connection: Connection) -> None:
        with self._changed:
            for listed in (self._connections, self._retiring):
                if connection in listed:
                    listed.remove(connection)
            for waiter in self._waiting.values():
                if waiter.connection is connection:
                    waiter.done.set()
            self._changed.notify_all()

    # what the emulator and the tests call

    @property
    def connection_count(self) -> int:
        """How many connections of the app are open (and were greeted)."""
        with self._lock:
            return len(self._connections)

    @property
    def connections_opened(self) -> int:
        """How many connections the app has opened so far, closed ones included."""
        with self._lock:
            return self._opened

    def received(self) -> list[JSON]:
        """Every message the app sent over its connections (acks included), oldest first."""
        with self._lock:
            return [dict(message) for message in self._received]

    def wait_connected(self, timeout: float = 10.0, *, count: int = 1) -> bool:
        """Wait until at least ``count`` connections are open; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self._connections) >= count, timeout)

    def wait_open_count(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until exactly ``count`` connections are open (a closed one forgotten); False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self._connections) == count, timeout)

    def wait_disconnected(self, timeout: float = 10.0) -> bool:
        """Wait until no connection is open; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._connections, timeout)

    def send_disconnect(self, reason: str = "refresh_requested") -> int:
        """Send Slack's ``disconnect`` message on every connection; how many got it.

        The app should open a new connection; each of these is closed once it has.
        """
        if reason not in DISCONNECT_REASONS:
            raise ValueError(f"Slack's disconnect reasons are {sorted(DISCONNECT_REASONS)}")
        message = json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": DEBUG_HOST}})
        with self._lock:
            connections = list(self._connections)
            self._retiring.extend(c for c in connections if c not in self._retiring)
        for connection in connections:
            try:
                connection.websocket.send_text(message)
            except (ConnectionEnded, OSError):
                continue
        return len(connections)

    def close_all(self) -> None:
        """Close every connection (``1001 going away``) and refuse new ones until ``reopen``."""
        with self._lock:
            self._refusing = True
            connections = list(self._connections)
        for connection in connections:
            connection.websocket.send_close(GOING_AWAY, "the emulator is stopping")
            connection.websocket.abort()

    def reopen(self) -> None:
        """Accept connections again (the server listens again)."""
        with self._lock:
            self._refusing = False

    def deliver(
        self,
        kind: str,
        payload: JSON,
        *,
        accepts_response_payload: bool,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        timeout: float = SLACK_ACK_SECONDS,
    ) -> AppResponse:
        """Send one envelope on the newest connection and wait ``timeout`` seconds for its ack.

        Answers status 200 with the ack's ``payload`` as body (None when the ack has none), or
        status 0 with ``error`` when no connection is open, none closed, or no ack came in time.
        """
        envelope: JSON = {
            "envelope_id": str(uuid.uuid4()),
            "payload": payload,
            "type": kind,
            "accepts_response_payload": accepts_response_payload,
        }
        if retry_attempt is not None:
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason or ""
        started = time.perf_counter()
        with self._lock:
            connection = self._connections[-1] if self._connections else None
            if connection is None:
                return AppResponse(0, 0.0, None, sent=payload, error="the app has no Socket Mode connection open")
            waiter = Waiter(connection)
            self._waiting[envelope["envelope_id"]] = waiter
        try:
            connection.websocket.send_text(json.dumps(envelope))
            waiter.done.wait(timeout)
        except (ConnectionEnded, OSError) as error:
            return AppResponse(0, time.perf_counter() - started, None, sent=payload, error=repr(error))
        finally:
            with self._lock:
                del self._waiting[envelope["envelope_id"]]
        elapsed = time.perf_counter() - started
        if waiter.ack is None:
            problem = "the connection closed" if waiter.done.is_set() else f"no ack within {timeout:g} s"
            return AppResponse(0, elapsed, None, sent=payload, error=f"{problem} (envelope {envelope['envelope_id']})")
        return AppResponse(200, elapsed, waiter.ack.get("payload"), sent=payload)
