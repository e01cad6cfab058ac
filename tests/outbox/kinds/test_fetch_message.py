"""message.fetch: the message someone put a :pushpin: on, to copy to the timeline.

Its delivery as people see it in Slack is tested end to end (tests/e2e/).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.fetch_message import FetchMessage
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (
        FetchMessage(channel="C0INC1", ts="1700000123.000400", user="U0BOB"),
        '{"channel": "C0INC1", "ts": "1700000123.000400", "user": "U0BOB"}',
    ),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: FetchMessage, text: str) -> None:
    assert_stored_as(effect, text)
