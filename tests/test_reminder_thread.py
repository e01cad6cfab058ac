"""The scheduler's rounds: every ack wakes it, but the reminders after the fire (a write transaction
each look, due by the day) are looked at once per cap, not in every round."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import cast

import pytest

from bot.reminder_thread import ReminderThread
from bot.reminders import ReminderService


class NothingDue:
    def send_due(self, *, team_id: str) -> int:
        return 0

    def earliest(self, *, team_id: str) -> datetime | None:
        return None

    def clock(self) -> datetime:
        return datetime.now(UTC)


def test_reminders_after_the_fire_are_looked_at_once_per_cap_however_often_acks_wake_the_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    monkeypatch.setattr("bot.reminder_thread.time.monotonic", lambda: now[0])
    looks: list[int] = []

    def look(*, team_id: str) -> int:
        looks.append(1)
        return 0

    thread = ReminderThread(
        cast(ReminderService, NothingDue()), workspace=lambda: "T1", after_round=lambda: None, also=(look,)
    )
    for _ in range(5):  # five acks in a row
        assert thread.run_round() == thread.cap_seconds
    assert len(looks) == 1
    now[0] += thread.cap_seconds  # a cap later
    thread.run_round()
    assert len(looks) == 2


class CountsRounds(NothingDue):
    def __init__(self) -> None:
        self.rounds = 0

    def send_due(self, *, team_id: str) -> int:
        self.rounds += 1
        return 0


def test_a_burst_of_acks_wakes_the_scheduler_into_one_round_not_one_round_an_ack() -> None:
    reminders = CountsRounds()
    thread = ReminderThread(
        cast(ReminderService, reminders),
        workspace=lambda: "T1",
        after_round=lambda: None,
        cap_seconds=60,
        gather_seconds=1.0,
    ).start()
    try:
        wait_until(lambda: reminders.rounds == 1)  # the round at start-up
        burst_ends = time.monotonic() + 0.2
        acks = 0
        while time.monotonic() < burst_ends:  # acks as fast as they come, for a fifth of a second
            thread.notify()
            acks += 1
        wait_until(lambda: reminders.rounds >= 2)
        time.sleep(0.3)
        assert acks > 100
        assert reminders.rounds == 2, "one round at start-up, one for the whole burst"
    finally:
        thread.stop()


def wait_until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the scheduler did not run its round"
        time.sleep(0.01)
