"""view.notice: a modal saying why nothing else opened.

Its delivery as people see it in Slack is tested end to end (tests/e2e/).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.open_notice import OpenNotice
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (
        OpenNotice(trigger_id="trigger.4", text="Workspace guests cannot change incidents."),
        '{"text": "Workspace guests cannot change incidents.", "trigger_id": "trigger.4"}',
    ),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: OpenNotice, text: str) -> None:
    assert_stored_as(effect, text)
