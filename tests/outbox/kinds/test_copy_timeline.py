"""timeline.copy: the timeline up to a move, posted in the incident's new private channel.

Its delivery as people see it in Slack is tested end to end (tests/e2e/test_e2e_channel_move.py).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.copy_timeline import CopyTimeline
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (CopyTimeline(from_channel="C00000003", until_entry=7), '{"from_channel": "C00000003", "until_entry": 7}'),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: CopyTimeline, text: str) -> None:
    assert_stored_as(effect, text)
