"""outbox.auth_hold: not Slack work, the row that pauses the outbox while Slack refuses the token.

The pause itself is tested in tests/outbox/test_sender.py.
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.auth_hold import AuthCheck
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (AuthCheck(), "{}"),
]


@pytest.mark.parametrize(("payload", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(payload: AuthCheck, text: str) -> None:
    assert_stored_as(payload, text)
