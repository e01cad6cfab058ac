"""One background thread doing rounds until stopped: the outbox sender, the reminder scheduler and
the member sync each are one (`bot.outbox.sender`, `bot.reminder_thread`, `bot.member_sync`).

A round returns how long to sleep before the next; `notify()` cuts the sleep short (after an ack);
`stop()` ends the sleep and waits for the round in hand (`ask_to_stop()` only asks: a process asks
all its threads first, so that its stop waits for the slowest round, not for their sum). A process's
whole stop has one `Deadline` (`STOP_SECONDS`), each wait taking what is left of it (`stop_by`). A round
that raises is logged and the next one comes after `retry_seconds`: the database or Slack may be
briefly away.

What a process took in and has not answered yet (`serve`'s requests, Socket Mode's envelopes) is
counted by an `InHand`, which a stop closes and waits for until its deadline; `DaemonExecutor` is
the thread pool of work a stop may leave in hand (the sender's sends, Socket Mode's envelopes):
its threads never hold the process's exit.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, Self

log = logging.getLogger(__name__)

STOP_SECONDS = 10.0  # a process's whole stop, at most (README, Stopping): then what is still in hand is left


class Deadline:
    """When a stop gives up waiting: one for the whole stop, so that its waits one after another
    (the requests in hand, each thread's round, the sends in hand) add up to it, not each up to it."""

    def __init__(self, seconds: float = STOP_SECONDS, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.monotonic = monotonic
        self.at = monotonic() + seconds

    def left(self) -> float:
        """Seconds left before it (0 once it has passed)."""
        return max(0.0, self.at - self.monotonic())


class InHand:
    """What a process took in and has not answered yet (`serve`'s requests, Socket Mode's
    envelopes): once a stop has closed it (`close`), none is taken any more, and the stop waits for
    those in hand until its deadline (`wait`)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._count = 0
        self._closed = False

    @property
    def count(self) -> int:
        with self._changed:
            return self._count

    def take(self) -> bool:
        """One more in hand, unless closed; whether it was taken (`done` when it is answered)."""
        with self._changed:
            if self._closed:
                return False
            self._count += 1
            return True

    def done(self) -> None:
        """One taken is answered."""
        with self._changed:
            self._count -= 1
            self._changed.notify_all()

    def close(self) -> None:
        """Take no new one."""
        with self._changed:
            self._closed = True

    def wait(self, timeout: float) -> bool:
        """Wait until none is in hand, at most `timeout` seconds; whether none is."""
        with self._changed:
            return self._changed.wait_for(lambda: self._count == 0, timeout)


class Background:
    retry_seconds = 1.0

    def __init__(self, name: str) -> None:
        self.name = name
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> Self:
        self._thread.start()
        return self

    def notify(self) -> None:
        """Something changed: start the next round now."""
        self._wake.set()

    def ask_to_stop(self) -> None:
        """End the sleep, and begin no round after the one in hand (`stop` also waits for it)."""
        self._stop.set()
        self._wake.set()

    def stop(self, timeout: float = STOP_SECONDS) -> None:
        """`ask_to_stop`, and wait for the round in hand at most `timeout` seconds."""
        self.stop_by(Deadline(timeout))

    def stop_by(self, deadline: Deadline) -> None:
        """`ask_to_stop`, and wait for the round in hand until `deadline` at the latest."""
        self.ask_to_stop()
        if self._thread.is_alive():
            self._thread.join(deadline.left())

    def stopping(self) -> bool:
        return self._stop.is_set()

    def sleep(self, seconds: float) -> None:
        """Sleep `seconds` unless stopped meanwhile (not cut short by `notify`)."""
        self._stop.wait(seconds)

    def run_round(self) -> float:
        """One round; the seconds to sleep before the next."""
        raise NotImplementedError

    def woken(self) -> None:
        """Called when `notify` cut a sleep short, before the next round."""

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                wait = self.run_round()
            except Exception:  # the database may be briefly away; the next round tries again
                log.exception("%s round failed; retrying in %ss", self.name, self.retry_seconds)
                wait = self.retry_seconds
            if self._wake.wait(wait) and not self._stop.is_set():
                self.woken()
            self._wake.clear()


class DaemonExecutor(Executor):
    """At most `threads` calls at once, in daemon threads started as work comes; `shutdown` lets
    them end once the calls in hand end (and, given `wait`, joins them: whoever may not wait calls
    it with `wait=False`, or from a thread it need not wait for). Never joined at the process's exit."""

    def __init__(self, threads: int, name: str) -> None:
        self.threads = threads
        self.name = name
        self._work: queue.SimpleQueue[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]] | None] = (
            queue.SimpleQueue()
        )
        self._started: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        self._work.put((future, lambda *given: fn(*given, **kwargs), args))
        with self._lock:
            if len(self._started) < self.threads:
                thread = threading.Thread(target=self._run, name=f"{self.name}_{len(self._started)}", daemon=True)
                self._started.append(thread)
                thread.start()
        return future

    def _run(self) -> None:
        while (item := self._work.get()) is not None:
            future, fn, args = item
            if not future.set_running_or_notify_cancel():  # cancelled before it began
                continue
            try:
                result = fn(*args)
            except BaseException as error:  # noqa: BLE001 - handed to whoever waits for the future
                future.set_exception(error)
            else:
                future.set_result(result)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            started = list(self._started)
        for _ in started:
            self._work.put(None)  # each thread ends after the work queued before it
        if wait:
            for thread in started:
                thread.join()
