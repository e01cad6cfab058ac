"""timeline.post: a timeline entry's line in the incident channel (with the durations, for a close).

Its delivery as people see it in Slack is tested end to end (tests/e2e/).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.post_timeline import PostTimeline
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (PostTimeline(entry_id=1), '{"entry_id": 1}'),
]


@pytest.mark.parametrize(("payload", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(payload: PostTimeline, text: str) -> None:
    assert_stored_as(payload, text)
