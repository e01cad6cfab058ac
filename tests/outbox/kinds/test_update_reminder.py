"""reminder.update: an answered reminder's buttons replaced by what answered it.

Its delivery as people see it in Slack is tested end to end (tests/e2e/test_e2e_reminders.py).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.update_reminder import UpdateReminder
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (UpdateReminder(reminder_id=7), '{"reminder_id": 7}'),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: UpdateReminder, text: str) -> None:
    assert_stored_as(effect, text)
