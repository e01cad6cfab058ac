"""channel.retire: the note left in the public channel a private incident left, and its archiving.

Its delivery as people see it in Slack is tested end to end (tests/e2e/test_e2e_channel_move.py).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.retire_channel import RetireChannel
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (RetireChannel(from_channel="C00000003"), '{"from_channel": "C00000003"}'),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: RetireChannel, text: str) -> None:
    assert_stored_as(effect, text)
