"""`incident-bot socket`: Slack over Socket Mode (no request URL), and the public status page on a
port of its own when asked; stopped by SIGTERM (how platforms stop a process) or Ctrl-C.

The standard shape (`bot.lifecycle`): the signal handler only sets `stop`, which the main thread
waits on, while start-up goes on in a thread of its own (a stop never waits for it: not for a
slow auth.test, nor for the first member sync). Then, all by the stop's one deadline, the Socket
Mode client takes no new envelope, the envelopes in hand (a command, a click, an event being
handled: `bot.slack.socket_envelopes` counts them) are waited for until their work is done and
their acks sent, which need the connection, and only then is it closed; then the status page's
server and the background threads (`Runtime.stop`: the sends in hand are recorded first), and
the process exits with status 0. An envelope still in hand at the deadline is not waited for: it
is cut off with the process (a warning says how many), and Slack sends an event again.

The connection is made by a thread of its own (`SocketConnection`), so a stop never waits for
Slack: while Slack cannot be reached or answers an error, it is tried again after 1, 2, 4 ... at
most 30 s, and the rest of the bot runs meanwhile (its Slack work waits in the outbox, as in a
web process); once made, slack_sdk keeps it, reconnecting by itself. An app token Slack refuses
stops the process with one line, status 2.
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import TYPE_CHECKING, Protocol

from slack_sdk.errors import SlackApiError

from bot.background import Deadline, InHand
from bot.config import Settings
from bot.errors import CANNOT_RUN
from bot.lifecycle import Starting, Stop, listen, run_until_stopped, serving, token_accepted
from bot.slack.identity import REJECTED

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 30.0
CONNECTING_WAIT_SECONDS = 2.0  # how long a stop waits for a connection attempt in hand before leaving it
CLOSING_WAIT_SECONDS = 5.0  # how long a stop waits for slack_sdk's client to close before leaving it (or less:
# the stop's deadline)


class Connects(Protocol):
    """What a connection needs of Bolt's `SocketModeHandler`."""

    def connect(self) -> None: ...

    def close(self) -> None: ...


class SocketConnection:
    """The Socket Mode client's connection, made by a thread of its own until it is made or closed;
    `envelopes`: those the handler has in hand."""

    def __init__(self, handler: Connects, stop: threading.Event, envelopes: InHand | None = None) -> None:
        self.handler = handler
        self.envelopes = envelopes or InHand()
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

    def close(self, deadline: Deadline | None = None) -> None:
        """Wait for the envelopes in hand (their work done, their acks sent; those Slack still sends
        meanwhile are taken too: `bot.slack.socket_envelopes`), then close the connection and stop
        making one, all by `deadline` (`STOP_SECONDS` from now unless given): an attempt in hand is
        waited for a moment, then left to its thread (a daemon), whose connection, if it makes
        one, is closed too."""
        deadline = deadline or Deadline()
        if self.envelopes.count:
            log.info("waiting for the Slack envelopes in hand (%d) to be answered", self.envelopes.count)
        if not self.envelopes.wait(deadline.left()):
            log.warning(
                "%d Slack envelope(s) still in hand at the stop's deadline: not waiting for them", self.envelopes.count
            )
        with self._lock:  # from here on, a connection the attempt makes is closed by its thread
            self._closed = True
        self._close_handler(min(CLOSING_WAIT_SECONDS, deadline.left()))
        self._thread.join(min(CONNECTING_WAIT_SECONDS, deadline.left()))
        if self._thread.is_alive():
            log.warning("a Socket Mode connection attempt is still waiting for Slack; not waiting for it")

    def _close_handler(self, wait: float = CLOSING_WAIT_SECONDS) -> None:
        """The client's `close()`, waited for at most `wait` seconds: slack_sdk's builtin client can
        wait without end for its session thread, which a timed-out read restarts as `close()` begins
        (seen in CI as a process still running 10 s after SIGTERM). What it leaves running is daemon
        threads, which do not keep the process alive."""
        closing = threading.Thread(target=self.handler.close, name="socket-mode-close", daemon=True)
        closing.start()
        closing.join(wait)
        if closing.is_alive():
            log.warning("the Socket Mode client did not close within %.0f s; not waiting for it", wait)


def socket_connection(runtime: Runtime, app_token: str | None, stop: Stop) -> SocketConnection:
    """The bot's app on Slack's Socket Mode, its envelopes counted; its connection is made once
    started (a start-up step: closed when the process stops, before what the envelopes need, the
    status page's server and the background threads)."""
    from bot.slack.socket_envelopes import EnvelopeHandler

    handler = EnvelopeHandler(runtime.app, app_token=app_token, web_client=runtime.client)
    return SocketConnection(handler, stop, handler.envelopes)


def run_socket(settings: Settings, stop: Stop, *, status_host: str, status_port: int | None) -> int:
    """Serve Slack over Socket Mode (and the status page on `status_port`) until `stop` is set."""
    connection: list[SocketConnection] = []

    def start(starting: Starting) -> None:
        from bot.runtime import build
        from bot.serve import make_http_server

        runtime = starting.runtime = build(settings)
        if not token_accepted(starting, runtime) or not starting.step(runtime.start_threads):
            return
        runtime.member_sync.first_round.wait(runtime.member_sync.first_wait)
        if status_port is not None:  # Socket Mode has no web process: the public page gets its own server
            site = runtime.status_site()
            where = f"{status_host}:{status_port}"
            server = listen(starting, lambda: make_http_server(site, host=status_host, port=status_port), where)
            if server is None or not serving(starting, server, "status-page"):
                return
            log.info("status page on http://%s:%s/status", status_host, server.server_port)
        connection.append(socket_connection(runtime, settings.app_token, stop))
        starting.step(connection[0].start, close=connection[0].close)

    status = run_until_stopped(stop, start)
    if connection and connection[0].refused is not None:
        print(f"Slack refused SLACK_APP_TOKEN ({connection[0].refused}): check it", file=sys.stderr)
        return CANNOT_RUN
    return status
