"""channel.invite: people into the incident's channel.

Its delivery as people see it in Slack is tested end to end (tests/e2e/).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.invite import Invite
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (Invite(users=("U0ALICE",)), '{"users": ["U0ALICE"]}'),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: Invite, text: str) -> None:
    assert_stored_as(effect, text)
