"""Ephemeral follow-ups to `response_url` (button feedback, long timelines), sent off the request path.

A bounded queue and one thread per process: a slow Slack delays these messages, never an ack.
They are not stored: they only echo what the person just did, and a lost one loses no data.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any

from slack_sdk.webhook import WebhookClient

log = logging.getLogger(__name__)


class Responder:
    def __init__(self, *, capacity: int = 1000, timeout_seconds: int = 10) -> None:
        self.timeout_seconds = timeout_seconds
        self._queue: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue(maxsize=capacity)
        self._thread = threading.Thread(target=self._loop, name="responder", daemon=True)

    def start(self) -> Responder:
        self._thread.start()
        return self

    def respond(self, response_url: str | None, messages: list[dict[str, Any]]) -> None:
        if not response_url:
            return
        for message in messages:
            if not message:
                continue
            try:
                self._queue.put_nowait((response_url, {"replace_original": False, **message}))
            except queue.Full:
                log.warning("response queue full; dropped an ephemeral reply")

    def stop(self, timeout: float = 10.0) -> None:
        if self._thread.is_alive():  # never started: a process stopped during its start-up
            self._queue.put(None)
            self._thread.join(timeout)

    def join_queue(self) -> None:
        """Wait until everything queued so far was sent (tests, the demo)."""
        self._queue.join()

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                url, message = item
                response = WebhookClient(url, timeout=self.timeout_seconds).send_dict(message)
                if response.status_code != 200:
                    log.warning("response_url answered %s", response.status_code)
            except (OSError, ValueError) as error:  # ValueError: a URL urllib cannot use
                log.warning("response_url unreachable: %s", type(error).__name__)
            finally:
                self._queue.task_done()
