"""view.open_draft: the modal that edits a draft status update.

Its delivery as people see it in Slack is tested end to end (tests/e2e/).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.open_draft_editor import OpenDraftEditor
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (OpenDraftEditor(trigger_id="trigger.2", draft_id=1), '{"draft_id": 1, "trigger_id": "trigger.2"}'),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: OpenDraftEditor, text: str) -> None:
    assert_stored_as(effect, text)
