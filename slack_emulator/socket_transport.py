"""People's actions delivered over Socket Mode: the same payloads as HTTP, in Slack's envelopes.

``SocketModeTransport`` is what ``UserActions`` talks to once ``emulator.connect_socket_mode()``
was called: a slash command becomes a ``slash_commands`` envelope (its form fields as a JSON
object), a click, a modal submission or a shortcut an ``interactive`` envelope, a reaction an
``events_api`` envelope. Like Slack, only slash commands and the interactions whose ack may carry
a response (``view_submission``, ``block_suggestion``) say ``accepts_response_payload: true``.
"""

from __future__ import annotations

import copy
import threading

from slack_emulator.app_connection import SLACK_ACK_SECONDS, AppResponse
from slack_emulator.records import JSON
from slack_emulator.socket_mode import SocketModeHub

RESPONDING_INTERACTIONS = frozenset({"view_submission", "block_suggestion"})


class SocketModeTransport:
    """Delivers actions as Socket Mode envelopes through a ``SocketModeHub`` (thread-safe)."""

    def __init__(self, hub: SocketModeHub, *, ack_timeout: float = SLACK_ACK_SECONDS) -> None:
        self.hub = hub
        self.ack_timeout = ack_timeout
        self._events: dict[str, JSON] = {}
        self._lock = threading.Lock()

    def send_form(self, fields: list[tuple[str, str]]) -> AppResponse:
        """A slash command: its fields as the payload of a ``slash_commands`` envelope."""
        return self.hub.deliver("slash_commands", dict(fields), accepts_response_payload=True, timeout=self.ack_timeout)

    def send_payload(self, payload: JSON) -> AppResponse:
        """An interaction payload in an ``interactive`` envelope."""
        responding = payload.get("type") in RESPONDING_INTERACTIONS
        return self.hub.deliver("interactive", payload, accepts_response_payload=responding, timeout=self.ack_timeout)

    def send_event(self, envelope: JSON) -> AppResponse:
        """An ``event_callback`` in an ``events_api`` envelope (first attempt), kept for redelivery."""
        with self._lock:
            self._events[str(envelope["event_id"])] = copy.deepcopy(envelope)
        return self._send_event(envelope, retry_attempt=0, retry_reason="")

    def redeliver(self, event_id: str, *, retry_num: int = 1, retry_reason: str = "http_timeout") -> AppResponse:
        """The same event again, with ``retry_attempt``/``retry_reason`` set as Slack retries it."""
        with self._lock:
            envelope = copy.deepcopy(self._events[event_id])
        return self._send_event(envelope, retry_attempt=retry_num, retry_reason=retry_reason)

    def _send_event(self, envelope: JSON, *, retry_attempt: int, retry_reason: str) -> AppResponse:
        return self.hub.deliver(
            "events_api",
            envelope,
            accepts_response_payload=False,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
            timeout=self.ack_timeout,
        )
