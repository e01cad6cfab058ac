"""reminder.post: a nudge or an escalation with its buttons.

Its delivery as people see it in Slack is tested end to end (tests/e2e/test_e2e_reminders.py) and
through App.dispatch (tests/slack/test_dispatch_reminders.py).
"""

from __future__ import annotations

import pytest

from bot.outbox.codec import decode
from bot.outbox.kinds.post_reminder import PostReminder
from tests.outbox.kinds.stored import assert_stored_as

NUDGE = {
    "reminder": "nudge",
    "due": "2022-02-17T16:50:00+00:00",
    "noticed_at": "2022-02-17T16:51:00+00:00",
    "late_seconds": 60.0,
    "version": 3,
}

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (
        PostReminder(**NUDGE, reminder_id=7),  # type: ignore[arg-type]
        '{"due": "2022-02-17T16:50:00+00:00", "late_seconds": 60.0, "noticed_at": "2022-02-17T16:51:00+00:00", '
        '"reminder": "nudge", "reminder_id": 7, "version": 3}',
    ),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: PostReminder, text: str) -> None:
    assert_stored_as(effect, text)


def test_a_reminder_queued_before_reminders_had_rows_still_loads_without_one() -> None:
    stored = (
        '{"due": "2022-02-17T16:50:00+00:00", "late_seconds": 60.0, "noticed_at": "2022-02-17T16:51:00+00:00", '
        '"reminder": "nudge", "version": 3}'
    )
    assert decode(PostReminder.kind, stored) == PostReminder(**NUDGE)  # type: ignore[arg-type]
