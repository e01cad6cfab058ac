"""How the long-running commands start and stop: `incident-bot serve`, `socket` and `worker`.

The standard shape. SIGTERM (how platforms stop a process) and SIGINT (Ctrl-C) only set `Stop`,
an event the main thread waits on (`stop_on_signals`, installed before the settings are read):
nothing is raised in the middle of whatever the process was doing. Start-up (the database, auth.test,
the background threads, a server) runs in a thread of its own (`Starting`), so a stop never waits
for it: a signal while Slack is slow to answer auth.test, or while the first member sync waits for
users.list, stops the process at once, and what start-up had not started by then never starts.
Then the main thread logs one line (`stopping (SIGTERM)`) and closes what runs, in the order each
command gives: what brings work in first (Slack's connection, the HTTP server, which answers the
requests in hand first, as gunicorn's graceful stop does), then the background threads
(`Runtime.stop`: the Slack calls in hand are finished and recorded, what was claimed and not sent
is given back at once), all within one `Deadline` (`STOP_SECONDS`, 10 s): a request or a Slack call
still in hand then is not waited for (the call is left to its lease), and the process exits with
status 0. Start-up that cannot go on (a token Slack
refuses, a port taken) ends it with its one line and status 2 instead.

gunicorn's web process does not come here: gunicorn owns its signals, and its `worker_exit` hook
stops the background threads once a worker has answered its requests in hand (`bot.gunicorn_config`).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Protocol, TypeVar

from bot.background import Deadline
from bot.errors import CANNOT_RUN

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger("bot")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
WAKE_SECONDS = 0.25  # how often the main thread, waiting for a stop, runs the signal handlers due


class Server(Protocol):
    """What a command stops of its HTTP server (`bot.serve.make_http_server`'s)."""

    def serve_forever(self) -> None: ...

    def shutdown(self) -> None: ...

    def finish_requests(self, timeout: float) -> bool: ...

    def server_close(self) -> None: ...


AnyServer = TypeVar("AnyServer", bound=Server)


class Stop(threading.Event):
    """Set by SIGTERM or SIGINT (`signal` names it), or by start-up or a connection that cannot go on."""

    signal: str | None = None


def stop_on_signals() -> Stop:
    """An event that SIGTERM and SIGINT set, and do nothing else: the main thread waits on it."""
    stop = Stop()

    def handle(signum: int, frame: FrameType | None) -> None:
        if not stop.is_set():  # a second signal changes nothing
            stop.signal = signal.Signals(signum).name
            stop.set()

    for each in STOP_SIGNALS:
        signal.signal(each, handle)
    return stop


def wait_until(stop: Stop) -> None:
    """Wait in the main thread until `stop` is set, waking every `WAKE_SECONDS`: a signal the kernel
    hands to another thread only flags it for the main thread, whose handler runs once that thread
    runs Python again; blocked in a wait without end, it never would (a SIGTERM seen in CI left
    `incident-bot socket` waiting 30 s and more, its handler never run)."""
    while not stop.wait(WAKE_SECONDS):
        pass


def stopping(stop: Stop) -> None:
    """The one line a process stopped by a signal writes, when it begins to stop."""
    log.info("stopping (%s): finishing the Slack calls in hand; the rest waits for the next start", stop.signal)


class Starting:
    """A command's start-up, in a daemon thread of its own, until it has started everything or the
    process stops. `run` is given this object: each `step` (something quick that starts a thread,
    a server, a connection) is taken only while the process is not stopping, so once the main
    thread has called `end` nothing more starts; what the steps started, the main thread stops
    (`closes`, then the runtime). Slow work (building the runtime, auth.test, waiting for the first
    member sync) goes between steps, and a stop does not wait for it: that thread is left to the
    process's exit."""

    def __init__(self, stop: Stop, run: Callable[[Starting], None]) -> None:
        self.stop = stop
        self.status: int | None = None  # the exit status when start-up could not go on
        self.runtime: Runtime | None = None  # once built: the main thread stops it
        self.closing: list[Callable[[Deadline], None]] = []  # what the steps started, closed last first
        self._run = run
        self._ended = False
        self._lock = threading.Lock()  # a step and `end` never interleave
        self._thread = threading.Thread(target=self._start, name="start-up", daemon=True)

    def begin(self) -> Starting:
        self._thread.start()
        return self

    def step(self, action: Callable[[], object], *, close: Callable[[Deadline], None] | None = None) -> bool:
        """Take `action` unless the process is stopping, and `close` what it started when it stops
        (by the stop's deadline); whether it was taken."""
        with self._lock:
            if self._ended or self.stop.is_set():
                return False
            action()
            if close is not None:
                self.closing.append(close)
            return True

    def fail(self, status: int, line: str) -> None:
        """Start-up cannot go on: `line` on stderr, and the process stops with `status`."""
        print(line, file=sys.stderr)
        sys.stderr.flush()
        self.status = status
        self.stop.set()

    def end(self) -> int | None:
        """The process is stopping: no step is taken from now on. The status start-up failed with, if it did."""
        with self._lock:
            self._ended = True
        return self.status

    def _start(self) -> None:
        try:
            self._run(self)
        except Exception:  # a bug, or a database gone: said once, and the process stops rather than hangs
            log.exception("start-up failed")
            self.status = CANNOT_RUN
            self.stop.set()


def run_until_stopped(
    stop: Stop, run: Callable[[Starting], None], *, monotonic: Callable[[], float] = time.monotonic
) -> int:
    """Start-up (`run`, see `Starting`) in its own thread while the main thread waits for `stop`;
    then the one line, what the steps started closed (the last first), the runtime stopped, all by
    one deadline (`STOP_SECONDS` after the stop began, on `monotonic`'s clock). The exit status: 0,
    or the one start-up failed with."""
    starting = Starting(stop, run).begin()
    wait_until(stop)
    deadline = Deadline(monotonic=monotonic)
    status = starting.end()
    if status is None and stop.signal is not None:
        stopping(stop)
    for close in reversed(starting.closing):
        close(deadline)
    if starting.runtime is not None:
        starting.runtime.stop(deadline)
    return status or 0


def token_accepted(starting: Starting, runtime: Runtime) -> bool:
    """auth.test before anything starts (`Runtime.check_token`): a token Slack refuses stops the
    process with one line and status 2; a Slack that cannot be reached only warns."""
    from bot.slack.identity import TokenRejected

    try:
        runtime.check_token()
    except TokenRejected as error:
        starting.fail(CANNOT_RUN, str(error))
        return False
    return True


def listen(starting: Starting, make: Callable[[], AnyServer], where: str) -> AnyServer | None:
    """A server made by `make`, or None when it cannot listen (a port taken, an address that is not
    this host's): one line naming `where` and why, and the process stops with status 2."""
    try:
        return make()
    except OSError as error:
        starting.fail(CANNOT_RUN, f"incident-bot cannot start: cannot listen on {where} ({error.strerror or error})")
        return None


def serving(starting: Starting, server: Server, name: str) -> bool:
    """Serve with `server` in a thread of its own, unless the process is stopping (then its socket
    is closed at once); closed when the process stops."""
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    if starting.step(thread.start, close=lambda deadline: _close(server, deadline)):
        return True
    server.server_close()
    return False


def _close(server: Server, deadline: Deadline) -> None:
    """No new request, the requests in hand answered (until `deadline`), then the socket closed."""
    server.shutdown()  # returns once `serve_forever` has ended (it began: the same step started it)
    server.finish_requests(deadline.left())
    server.server_close()
