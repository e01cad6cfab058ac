"""channel.leave: the last step of a move in the incident's order: the note in the public channel when
the move did not happen; once it did, the clean-up waiting for it (channel.vacate) goes.

Its delivery as people see it in Slack is tested end to end (tests/e2e/test_e2e_channel_move.py,
tests/e2e/test_e2e_channel_left.py).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.leave_channel import LeaveChannel
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (LeaveChannel(from_channel="C00000003"), '{"from_channel": "C00000003"}'),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: LeaveChannel, text: str) -> None:
    assert_stored_as(effect, text)
