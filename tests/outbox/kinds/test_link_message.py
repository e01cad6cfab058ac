"""message.link: the permalink of the message an incident was declared from.

Its delivery as people see it in Slack is tested end to end (tests/e2e/).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.link_message import LinkMessage
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (
        LinkMessage(entry_id=1, channel="C0TEAM", ts="1796033087.430667"),
        '{"channel": "C0TEAM", "entry_id": 1, "ts": "1796033087.430667"}',
    ),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: LinkMessage, text: str) -> None:
    assert_stored_as(effect, text)
