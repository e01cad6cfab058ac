"""draft.publish: the draft's text in INCIDENT_STATUS_CHANNEL, once.

Its delivery as people see it in Slack is tested end to end (tests/e2e/).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.publish_draft import PublishDraft
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (PublishDraft(draft_id=1), '{"draft_id": 1}'),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: PublishDraft, text: str) -> None:
    assert_stored_as(effect, text)
