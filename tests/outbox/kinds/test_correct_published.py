"""draft.correct: a corrected update's post in the status channel, updated to its words now.

Its delivery as people see it in Slack is tested end to end (tests/e2e/test_e2e_status_corrections.py).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.correct_published import CorrectPublished
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stores them (rows a deployed database holds).
STORED = [
    (CorrectPublished(draft_id=1), '{"draft_id": 1}'),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: CorrectPublished, text: str) -> None:
    assert_stored_as(effect, text)
