"""draft.update: the draft's message as the draft is when sent (edited, published, discarded, stale).

Its delivery as people see it in Slack is tested end to end (tests/e2e/).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.update_draft import UpdateDraft
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (UpdateDraft(draft_id=1), '{"draft_id": 1}'),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: UpdateDraft, text: str) -> None:
    assert_stored_as(effect, text)
