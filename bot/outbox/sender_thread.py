"""The background thread of each web process that drains the outbox, woken after every ack."""

from __future__ import annotations

import logging
import threading

from bot.outbox.sender import EffectSender

log = logging.getLogger(__name__)


class SenderThread:
    """One background thread per process that drains the outbox, woken after every ack."""

    def __init__(self, sender: EffectSender, *, poll_seconds: float = 1.0, gather_seconds: float = 0.05) -> None:
        self.sender = sender
        self.poll_seconds = poll_seconds
        # Woken by an ack, wait this long first: the notes acknowledged meanwhile join the same run
        # (bot.outbox.runs), and the sender's transactions stay out of the way of the acks.
        self.gather_seconds = gather_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="effect-sender", daemon=True)

    def start(self) -> SenderThread:
        self._thread.start()
        return self

    def notify(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            if self._wake.wait(self.poll_seconds):
                self._stop.wait(self.gather_seconds)
            self._wake.clear()
            try:
                self.sender.drain(stopping=self._stop.is_set)
            except Exception:  # the database may be briefly away; the next round tries again
                log.exception("outbox drain failed; retrying in %ss", self.poll_seconds)
