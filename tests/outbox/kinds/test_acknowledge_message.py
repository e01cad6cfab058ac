"""message.acknowledge: a reaction on a message copied to the timeline.

Its delivery as people see it in Slack is tested end to end (tests/e2e/).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.acknowledge_message import AcknowledgeMessage
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (
        AcknowledgeMessage(entry_id=2, ts="1796033087.430667", user="U0ALICE"),
        '{"entry_id": 2, "ts": "1796033087.430667", "user": "U0ALICE"}',
    ),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: AcknowledgeMessage, text: str) -> None:
    assert_stored_as(effect, text)
