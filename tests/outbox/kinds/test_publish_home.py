"""home.publish: one person's App Home, published with views.publish.

What people see is tested end to end (tests/e2e/test_e2e_home.py).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.publish_home import PublishHome
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (PublishHome(team_id="T0EMULATOR", user="U0ALICE"), '{"team_id": "T0EMULATOR", "user": "U0ALICE"}'),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: PublishHome, text: str) -> None:
    assert_stored_as(effect, text)
