"""`incident-bot socket`: Slack over Socket Mode (no request URL), and the public status page on a
port of its own when asked; stopped by SIGTERM (how platforms stop a process) or Ctrl-C.

The standard shape: the signal handler only sets `stop` (`stop_on_signals`, installed before the
settings are read), which the main thread waits on; nothing is raised in the middle of whatever
it was doing. Then it closes, in order, the Socket Mode client (no envelope arrives any more),
the status page's server and the background threads (`Runtime.stop`: the sends in hand are
recorded first), and the process exits with status 0.

The connection is made by a thread of its own (`SocketConnection`), so a stop never waits for
Slack: while Slack cannot be reached or answers an error, it is tried again after 1, 2, 4 ... at
most 30 s, and the rest of the bot runs meanwhile (its Slack work waits in the outbox, as in a
web process); once made, slack_sdk keeps it, reconnecting by itself. An app token Slack refuses
stops the process with one line, status 2.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from types import FrameType
from typing import TYPE_CHECKING, Protocol

from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.errors import CANNOT_RUN
from bot.slack.identity import REJECTED, TokenRejected

if TYPE_CHECKING:
    from bot.serve import ThreadingWSGIServer

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 30.0
CONNECTING_WAIT_SECONDS = 2.0  # how long a stop waits for a connection attempt in hand before leaving it
CLOSING_WAIT_SECONDS = 5.0  # how long a stop waits for slack_sdk's client to close before leaving it


class Connects(Protocol):
    """What a connection needs of Bolt's `SocketModeHandler`."""

    def connect(self) -> None: ...

    def close(self) -> None: ...


def stop_on_signals() -> threading.Event:
    """An event that SIGTERM and SIGINT set, and do nothing else: the main thread waits on it."""
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    for each in STOP_SIGNALS:
        signal.signal(each, handle)
    return stop


class SocketConnection:
    """The Socket Mode client's connection, made by a thread of its own until it is made or closed."""

    def __init__(self, handler: Connects, stop: threading.Event) -> None:
        self.handler = handler
        self.stop = stop  # set when the app token is refused: the process stops
        self.refused: str | None = None  # Slack's error when it refused the app token
        self._closed = False
        self._lock = threading.Lock()  # a connection made while it is closed is closed too
        self._thread = threading.Thread(target=self._connect, name="socket-mode-connect", daemon=True)

    def start(self) -> SocketConnection:
        self._thread.start()
        return self

    def _connect(self) -> None:
        wait = FIRST_RETRY_SECONDS
        while not self.stop.is_set():
            log.info("connecting to Slack over Socket Mode")
            try:
                self.handler.connect()
            except SlackApiError as error:
                code = str(error.response.get("error", ""))
                if code in REJECTED:  # the app token: trying again changes nothing
                    self.refused = code
                    self.stop.set()
                    return
                log.warning("apps.connections.open answered %s; trying again in %.0f s", code, wait)
            except Exception as error:  # noqa: BLE001 - unreachable, a WebSocket refused: Slack may be back soon
                log.warning("cannot connect to Slack over Socket Mode (%s); trying again in %.0f s", error, wait)
            else:
                log.info("connected to Slack over Socket Mode")
                self._close_if_closed()
                return
            self._close_if_closed()
            self.stop.wait(wait)
            wait = min(wait * 2, MAX_RETRY_SECONDS)

    def _close_if_closed(self) -> None:
        with self._lock:
            closed = self._closed
        if closed:  # closed while connecting: what the attempt made goes too
            self._close_handler()

    def close(self) -> None:
        """Close the connection, and stop making one: an attempt in hand is waited for a moment,
        then left to its thread (a daemon), whose connection, if it makes one, is closed too."""
        with self._lock:  # from here on, a connection the attempt makes is closed by its thread
            self._closed = True
        self._close_handler()
        self._thread.join(CONNECTING_WAIT_SECONDS)
        if self._thread.is_alive():
            log.warning("a Socket Mode connection attempt is still waiting for Slack; not waiting for it")

    def _close_handler(self) -> None:
        """The client's `close()`, waited for at most CLOSING_WAIT_SECONDS: slack_sdk's builtin
        client can wait without end for its session thread, which a timed-out read restarts as
        `close()` begins (seen in CI as a process still running 10 s after SIGTERM). What it
        leaves running is daemon threads, which do not keep the process alive."""
        closing = threading.Thread(target=self.handler.close, name="socket-mode-close", daemon=True)
        closing.start()
        closing.join(CLOSING_WAIT_SECONDS)
        if closing.is_alive():
            log.warning("the Socket Mode client did not close within %.0f s; not waiting for it", CLOSING_WAIT_SECONDS)


def run_socket(settings: Settings, stop: threading.Event, *, status_host: str, status_port: int | None) -> int:
    """Serve Slack over Socket Mode (and the status page on `status_port`) until `stop` is set."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.runtime import build
    from bot.serve import make_http_server

    runtime = build(settings)
    try:
        runtime.check_token()
    except TokenRejected as error:
        print(error, file=sys.stderr)
        runtime.db.dispose()
        return CANNOT_RUN
    runtime.start_background()
    server: ThreadingWSGIServer | None = None
    connection: SocketConnection | None = None
    try:
        if status_port is not None:  # Socket Mode has no web process: the public page gets its own server
            server = make_http_server(runtime.status_site(), host=status_host, port=status_port)
            threading.Thread(target=server.serve_forever, name="status-page", daemon=True).start()
            log.info("status page on http://%s:%s/status", status_host, server.server_port)
        handler = SocketModeHandler(runtime.app, app_token=settings.app_token, web_client=runtime.client)
        connection = SocketConnection(handler, stop).start()
        stop.wait()
        log.info("stopping")
    finally:
        if connection is not None:
            connection.close()  # Slack's connection first: no new envelope while the rest stops
        if server is not None:
            server.shutdown()
            server.server_close()
        runtime.stop()
    if connection is not None and connection.refused is not None:
        print(f"Slack refused SLACK_APP_TOKEN ({connection.refused}): check it", file=sys.stderr)
        return CANNOT_RUN
    return 0
