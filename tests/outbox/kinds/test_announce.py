"""announce: an opening, close or reopening in INCIDENT_ANNOUNCE_CHANNEL (`entry_id` says which).

Its delivery as people see it in Slack is tested end to end (tests/e2e/).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.announce import Announce
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (Announce(entry_id=1), '{"entry_id": 1}'),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: Announce, text: str) -> None:
    assert_stored_as(effect, text)
