"""channel.move: a private incident's new private channel, made in place of its public one.

Its delivery as people see it in Slack is tested end to end (tests/e2e/test_e2e_channel_move.py).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.move_channel import MoveChannel
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (MoveChannel(from_channel="C00000003"), '{"from_channel": "C00000003"}'),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: MoveChannel, text: str) -> None:
    assert_stored_as(effect, text)
