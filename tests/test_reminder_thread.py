"""The scheduler's rounds: every ack wakes it, but the reminders after the fire (a write transaction
each look, due by the day) are looked at once per cap, not in every round."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import pytest

from bot.reminder_thread import ReminderThread
from bot.reminders import ReminderService


class NothingDue:
    def send_due(self) -> int:
        return 0

    def earliest(self) -> datetime | None:
        return None

    def clock(self) -> datetime:
        return datetime.now(UTC)


def test_reminders_after_the_fire_are_looked_at_once_per_cap_however_often_acks_wake_the_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1000.0]
    monkeypatch.setattr("bot.reminder_thread.time.monotonic", lambda: now[0])
    looks: list[int] = []

    def look() -> int:
        looks.append(1)
        return 0

    thread = ReminderThread(cast(ReminderService, NothingDue()), after_round=lambda: None, also=(look,))
    for _ in range(5):  # five acks in a row
        assert thread.run_round() == thread.cap_seconds
    assert len(looks) == 1
    now[0] += thread.cap_seconds  # a cap later
    thread.run_round()
    assert len(looks) == 2
