"""Fault injection for the Web API side, and the log of every call the emulator answered.

``Faults`` holds what a test asked for: latency (for every method or per method), queued
failures (HTTP 500/503) and rate limits (HTTP 429 with ``Retry-After``) consumed one call at a
time, an outage switch (``down``: every Web API call answers 503), Slack's pace of messages
(``message_pace``: a ``chat.postMessage`` into a channel that had one less than that many seconds
ago answers 429 with ``Retry-After: 1``, as Slack does past one message a second), and a refused bot token
(``revoke_token``: every call made with it answers ``token_revoked``, ``invalid_auth`` or
``account_inactive`` until ``restore_token``). ``method="*"`` targets any method. The same
operations are reachable over HTTP with ``POST /_emulator/faults`` (see ``apply_fault_command``).
A test in the same process can also hold a method's calls unanswered until it releases them
(``hold``: a ``Held``, which says when a call has arrived), to stop a process or check what goes
on while Slack has not answered, without a delay that a loaded machine may outlast.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from slack_emulator.records import JSON

ANY_METHOD = "*"
TOKEN_REFUSALS = frozenset({"token_revoked", "invalid_auth", "account_inactive"})


@dataclass(frozen=True)
class Failure:
    """One queued fault: an HTTP status, and a ``Retry-After`` for 429."""

    status: int
    retry_after: int | None = None


class Held:
    """The calls of one method held before they are answered, until ``release`` (or the emulator closes)."""

    def __init__(self, method: str) -> None:
        self.method = method
        self._arrived = 0
        self._released = False
        self._changed = threading.Condition()

    @property
    def arrived(self) -> int:
        """How many calls have arrived so far (held, or answered once released)."""
        with self._changed:
            return self._arrived

    def wait_arrived(self, timeout: float = 30.0, *, count: int = 1) -> bool:
        """Wait until `count` calls have arrived; False if they had not within `timeout` (a failure bound)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._arrived >= count, timeout)

    def release(self) -> None:
        """Answer the calls held, and every later one at once."""
        with self._changed:
            self._released = True
            self._changed.notify_all()

    def hold(self, closing: threading.Event) -> None:
        """A call arrived: wait until released or the emulator closes."""
        with self._changed:
            self._arrived += 1
            self._changed.notify_all()
            while not self._released and not closing.is_set():
                self._changed.wait(0.1)  # wakes for the close, which sets no condition of ours


@dataclass(frozen=True)
class Call:
    """One Web API call as answered: method, arguments, wall time, HTTP status and JSON body."""

    method: str
    args: JSON
    at: float
    status: int
    response: JSON

    @property
    def ok(self) -> bool:
        """Whether Slack would call this call a success (HTTP 200 and ``ok: true``)."""
        return self.status == 200 and bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        """The error code, None for a success."""
        error = self.response.get("error")
        return None if error is None else str(error)

    def to_json(self) -> JSON:
        """The call as JSON (for ``GET /_emulator/calls``)."""
        return {
            "method": self.method,
            "args": self.args,
            "at": self.at,
            "status": self.status,
            "response": self.response,
        }


@dataclass
class Faults:
    """The faults currently injected (thread-safe)."""

    latency: float = 0.0
    method_latency: dict[str, float] = field(default_factory=dict)
    is_down: bool = False
    token_refusal: str | None = None  # the error every call with the bot token answers, when refused
    message_pace: float = 0.0  # least seconds between two messages in one channel (0: no limit)
    _last_message: dict[str, float] = field(default_factory=dict)  # channel -> time.monotonic() of its last
    _queued: dict[str, deque[Failure]] = field(default_factory=dict)
    _held: dict[str, Held] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def set_latency(self, seconds: float, method: str = ANY_METHOD) -> None:
        """Add ``seconds`` before answering every call (or only calls of ``method``)."""
        with self._lock:
            if method == ANY_METHOD:
                self.latency = seconds
            else:
                self.method_latency[method] = seconds

    def hold(self, method: str) -> Held:
        """Hold the calls of ``method`` unanswered until the returned ``Held`` is released."""
        with self._lock:
            held = self._held[method] = Held(method)
            return held

    def held(self, method: str) -> Held | None:
        """What holds ``method``'s calls, if anything does."""
        with self._lock:
            return self._held.get(method)

    def latency_for(self, method: str) -> float:
        """The delay to add before answering a call of ``method``."""
        with self._lock:
            return self.latency + self.method_latency.get(method, 0.0)

    def fail_next(self, method: str = ANY_METHOD, *, status: int = 500, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP ``status`` (500, 503...)."""
        self._queue(method, Failure(status=status), times)

    def rate_limit_next(self, method: str = ANY_METHOD, *, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with 429 and ``Retry-After``."""
        self._queue(method, Failure(status=429, retry_after=retry_after), times)

    def _queue(self, method: str, failure: Failure, times: int) -> None:
        with self._lock:
            self._queued.setdefault(method, deque()).extend([failure] * times)

    def take(self, method: str) -> Failure | None:
        """Consume the next queued fault for ``method`` (its own queue first, then ``*``)."""
        with self._lock:
            for key in (method, ANY_METHOD):
                queue = self._queued.get(key)
                if queue:
                    return queue.popleft()
            return None

    def set_message_pace(self, seconds: float) -> None:
        """Take at most one ``chat.postMessage`` per channel every ``seconds`` (0: no limit)."""
        with self._lock:
            self.message_pace = seconds
            self._last_message.clear()

    def over_pace(self, method: str, channel: object) -> bool:
        """Whether this call posts into a channel that had a message less than ``message_pace``
        seconds ago (it is then refused with 429); a call within the pace counts as its message."""
        if method != "chat.postMessage" or not isinstance(channel, str):
            return False
        with self._lock:
            if self.message_pace <= 0:
                return False
            now = time.monotonic()
            last = self._last_message.get(channel)
            if last is not None and now - last < self.message_pace:
                return True
            self._last_message[channel] = now
            return False

    def set_down(self, down: bool) -> None:
        """Switch the outage on (every Web API call answers 503) or off."""
        with self._lock:
            self.is_down = down

    def refuse_token(self, error: str | None) -> None:
        """Refuse the bot token with ``error`` (one of ``TOKEN_REFUSALS``), or accept it again (None)."""
        if error is not None and error not in TOKEN_REFUSALS:
            raise ValueError(f"a refused token answers one of {sorted(TOKEN_REFUSALS)}, not {error!r}")
        with self._lock:
            self.token_refusal = error

    def clear(self) -> None:
        """Remove every injected fault."""
        with self._lock:
            self.latency = 0.0
            self.method_latency.clear()
            self.is_down = False
            self.token_refusal = None
            self._queued.clear()
            self.message_pace = 0.0
            self._last_message.clear()
            held, self._held = list(self._held.values()), {}
        for each in held:
            each.release()


def apply_fault_command(faults: Faults, command: dict[str, Any]) -> None:
    """Apply one ``POST /_emulator/faults`` command, e.g. ``{"action": "fail_next", ...}``.

    Actions: ``latency`` (seconds, method), ``fail_next`` (method, status, times),
    ``rate_limit_next`` (method, retry_after, times), ``message_pace`` (seconds), ``down``, ``up``,
    ``revoke_token`` (error, default ``token_revoked``), ``restore_token``, ``clear``.
    Raises ValueError for an unknown action or bad fields.
    """
    action = command.get("action")
    method = str(command.get("method", ANY_METHOD))
    try:
        if action == "latency":
            faults.set_latency(float(command["seconds"]), method)
        elif action == "fail_next":
            faults.fail_next(method, status=int(command.get("status", 500)), times=int(command.get("times", 1)))
        elif action == "rate_limit_next":
            retry_after = int(command.get("retry_after", 1))
            faults.rate_limit_next(method, retry_after=retry_after, times=int(command.get("times", 1)))
        elif action == "message_pace":
            faults.set_message_pace(float(command["seconds"]))
        elif action == "down":
            faults.set_down(True)
        elif action == "up":
            faults.set_down(False)
        elif action == "revoke_token":
            faults.refuse_token(str(command.get("error", "token_revoked")))
        elif action == "restore_token":
            faults.refuse_token(None)
        elif action == "clear":
            faults.clear()
        else:
            raise ValueError(f"unknown fault action: {action!r}")
    except (KeyError, TypeError) as error:
        raise ValueError(f"bad fault command {command!r}: {error}") from None


class CallLog:
    """Every Web API call answered, in order (thread-safe)."""

    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._lock = threading.Lock()

    def add(self, call: Call) -> None:
        """Record one call."""
        with self._lock:
            self._calls.append(call)

    def calls(self, method: str | None = None) -> list[Call]:
        """The calls so far, oldest first (only ``method``'s when given)."""
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def clear(self) -> None:
        """Forget every recorded call."""
        with self._lock:
            self._calls.clear()
