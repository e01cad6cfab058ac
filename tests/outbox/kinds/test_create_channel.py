"""channel.create: the incident's channel, created, or ours of that name adopted after a crash.

Its delivery as people see it in Slack is tested end to end (tests/e2e/).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.create_channel import CreateChannel
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (CreateChannel(), "{}"),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: CreateChannel, text: str) -> None:
    assert_stored_as(effect, text)
