"""The reminder scheduler: one thread in each web process and in `incident-bot worker`.

It sleeps until the earliest stored reminder time, or time a page nobody answered takes its next
step or an alert rule declares a group (`timers`: bot.escalation, bot.triage), never longer
than `cap_seconds` (60 s: the longest a deadline written by another process waits to be seen), and
is woken when this process
may have changed a deadline (after every ack that recorded Slack work, `bot.outbox.wakes`; the acks
of one second make one round). Each round
sends what is due (`ReminderService.send_due`, and once per cap the reminders after the fire,
`AftermathService.send_due_reminders`; each reminder is claimed in the database, so several
processes never send one twice) and wakes the outbox sender. A round at start-up sends whatever
fell due while nothing was running.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from bot.background import Background
from bot.reminders import ReminderService

log = logging.getLogger(__name__)

CAP_SECONDS = 60.0
RETRY_SECONDS = 1.0  # after a failed round, or when something due could not be sent this round
GATHER_SECONDS = 1.0  # woken by an ack, wait this long first: a burst of acks makes one round


class SendsDue(Protocol):
    """Queues a workspace's reminders due now; how many (`AftermathService.send_due_reminders`)."""

    def __call__(self, *, team_id: str) -> int: ...


class Timers(Protocol):
    """Other stored times the scheduler keeps (pages nobody answered: `bot.escalation.Escalations`):
    due ones taken each round, the earliest one waking it."""

    def send_due(self, *, team_id: str) -> int: ...

    def earliest(self, *, team_id: str) -> datetime | None: ...


class ReminderThread(Background):
    def __init__(
        self,
        reminders: ReminderService,
        *,
        workspace: Callable[[], str | None],
        after_round: Callable[[], None],
        cap_seconds: float = CAP_SECONDS,
        timers: Sequence[Timers] = (),
        also: Sequence[SendsDue] = (),
        gather_seconds: float = GATHER_SECONDS,
    ) -> None:
        super().__init__("reminders")
        self.reminders = reminders
        self.workspace = workspace  # whose reminders: the team this process's token serves (None: unknown yet)
        self.timers = timers  # kept to the second, as the update reminders are
        # Other reminders, due by the day (after the fire: bot.aftermath): looked at once per cap, not
        # in every round, since the acks of every change wake this thread and each look is a write transaction.
        self.also = also
        self._also_next = 0.0  # time.monotonic() of the next look
        self.after_round = after_round  # wake the outbox sender: a reminder was queued
        self.cap_seconds = cap_seconds
        self.retry_seconds = RETRY_SECONDS
        # Deadlines are kept to the minute: a round a second after the ack that moved one is on
        # time, and under a flood of acks the scheduler's reads stay one a second, not one an ack.
        self.gather_seconds = gather_seconds

    def woken(self) -> None:
        self.sleep(self.gather_seconds)

    def run_round(self) -> float:
        """Send what is due; the seconds to sleep until the next reminder time (capped)."""
        team_id = self.workspace()
        if team_id is None:  # Slack has not said which workspace is ours yet: asked again soon
            return RETRY_SECONDS
        sent = self.reminders.send_due(team_id=team_id)
        sent += sum(timer.send_due(team_id=team_id) for timer in self.timers)
        if time.monotonic() >= self._also_next:
            sent += sum(send(team_id=team_id) for send in self.also)
            self._also_next = time.monotonic() + self.cap_seconds
        if sent:
            log.info("queued %d update reminders", sent)
            self.after_round()
        times = [self.reminders.earliest(team_id=team_id), *(timer.earliest(team_id=team_id) for timer in self.timers)]
        earliest = min((moment for moment in times if moment is not None), default=None)
        if earliest is None:
            return self.cap_seconds
        wait = (earliest - self.reminders.clock()).total_seconds()
        if wait <= 0:  # still due: another process is sending it, or it failed this round
            return RETRY_SECONDS
        return min(wait, self.cap_seconds)
