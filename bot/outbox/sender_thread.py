"""`SenderThread`: the background thread of each web process that drains the outbox
(`bot.outbox.sender`), woken right after each ack that recorded Slack work (`offer`); a second
one drains PagerDuty's events (`bot.outbox.pagerduty_sender`), woken by the acks that recorded one."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Collection

from bot.background import Background, Deadline
from bot.outbox.sender import EffectSender


class SenderThread(Background):
    """One background thread per process that drains the outbox, woken after the acks that gave it work."""

    def __init__(
        self,
        sender: EffectSender,
        *,
        poll_seconds: float = 1.0,
        gather_seconds: float = 0.05,
        monotonic: Callable[[], float] = time.monotonic,
        name: str = "effect-sender",  # "pagerduty-sender": PagerDuty's (`bot.outbox.pagerduty_sender`)
    ) -> None:
        super().__init__(name)
        self.sender = sender
        self.poll_seconds = poll_seconds
        self.retry_seconds = poll_seconds
        # Woken by an ack less than this long after the last round began, wait until this long
        # after it: the notes acknowledged meanwhile join the same batch, and in a busy moment the
        # sender's transactions stay out of the way of the acks (a round with work at most this
        # often). Woken after a quiet moment, or after a round that found nothing, the round begins
        # at once: an opened incident's channel is not kept waiting.
        self.gather_seconds = gather_seconds
        self.monotonic = monotonic
        self.round_began: float | None = None
        self.wakes_at = math.inf  # when the thread, asleep, starts its next round by itself (time.monotonic())
        # Held lines acknowledged during a round (which may not have read them): their (incident, kind).
        self.held_meanwhile: set[tuple[int | None, str]] = set()
        self._offers = threading.Lock()  # `offer` against the end of a round: no such line is overlooked

    def run_round(self) -> float:
        began = self.monotonic()
        self.wakes_at = math.inf  # in a round: what it read may not show the work just recorded
        try:
            handled = self.sender.drain(stopping=self.stopping)
        except Exception:
            with self._offers:  # `Background` sleeps `retry_seconds` after a failed round, whatever the pace
                self.held_meanwhile.clear()  # seen by the round after that sleep
                self.wakes_at = time.monotonic() + self.retry_seconds
            raise
        # A round that found nothing (a look every `poll_seconds`, or one that read just before an
        # ack's work was committed) makes no busy moment: the ack that follows it goes at once.
        self.round_began = began if handled else None
        paced = self.sender.next_in  # a channel's next line waits for its pace
        return self._asleep_until(self.poll_seconds if paced is None else min(self.poll_seconds, paced))

    def _asleep_until(self, wait: float) -> float:
        """The round ends: it sleeps `wait` seconds, or less, until the pace lets go the first held
        line acknowledged during it (the pace as it is now: a send that began in the round stamped
        it again when it ended). From now on an ack compares its lines' pace with this wake-up."""
        with self._offers:
            now = time.monotonic()  # the pace's clock (`ChannelPace.held_until`)
            for incident_id, kind in self.held_meanwhile:
                end = self.sender.pace.held_until(kind, incident_id)
                wait = min(wait, 0.0 if end is None else end - now)
            self.held_meanwhile.clear()
            self.wakes_at = now + max(0.0, wait)
        return max(0.0, wait)

    def offer(self, work: Collection[tuple[int | None, str]]) -> None:
        """After an ack that queued `work` (each effect's incident and kind): start the next round
        now, unless every piece of it is held back by its channel's pace (being sent, or sent less
        than the pace ago) and this thread
        - asleep, wakes by itself by the time the pace lets the first of it go (that round sees it
          and sleeps until then), give or take `gather_seconds` (a round that slept until a pace's
          end wakes the rest of that round's duration after it);
        - in a round (which may not have read it), then sleeps no later than that (`run_round`).
        A busy channel's notes then cost a round a second, not a round each: woken in a round, the
        sender began the next at once, and under a steady flow of notes its rounds ran back to back,
        each reading the outbox to find every line still held (a sixth of the web process's time)."""
        pace = self.sender.pace
        ends = [pace.held_until(kind, incident_id) for incident_id, kind in work]
        held = [end for end in ends if end is not None]
        if work and len(held) == len(ends):
            with self._offers:
                if self.wakes_at == math.inf:  # in a round
                    self.held_meanwhile.update(work)
                    return
                if self.wakes_at <= min(held) + self.gather_seconds:
                    return
        self.notify()

    def woken(self) -> None:
        if self.round_began is not None:
            gather = self.round_began + self.gather_seconds - self.monotonic()
            if gather > 0:
                self.sleep(gather)

    def ask_to_stop(self) -> None:
        """The sends in hand go on (what they let go is given back by the round); what was handed to
        the pool and had not begun never begins: pending again at once."""
        super().ask_to_stop()
        self.sender.give_back(self.sender.pool.close())

    def stop_by(self, deadline: Deadline) -> None:
        """The round in hand, then the sends in hand, waited for until `deadline`, not each for its
        Slack call's whole timeout: a send Slack has not answered by then is left to its lease
        (README, Stopping), its thread to the process's exit."""
        super().stop_by(deadline)
        self.sender.pool.wait_for_sends(deadline.left())
