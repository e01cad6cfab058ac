"""The background thread of each web process that drains the outbox, woken after every ack."""

from __future__ import annotations

from bot.background import Background
from bot.outbox.sender import EffectSender


class SenderThread(Background):
    """One background thread per process that drains the outbox, woken after every ack."""

    def __init__(self, sender: EffectSender, *, poll_seconds: float = 1.0, gather_seconds: float = 0.05) -> None:
        super().__init__("effect-sender")
        self.sender = sender
        self.poll_seconds = poll_seconds
        self.retry_seconds = poll_seconds
        # Woken by an ack, wait this long first: the notes acknowledged meanwhile join the same run
        # (bot.outbox.runs), and the sender's transactions stay out of the way of the acks.
        self.gather_seconds = gather_seconds

    def run_round(self) -> float:
        self.sender.drain(stopping=self.stopping)
        paced = self.sender.next_in  # a channel's next line waits for its pace
        return self.poll_seconds if paced is None else min(self.poll_seconds, paced)

    def woken(self) -> None:
        self.pause(self.gather_seconds)
