"""notice.direct: a direct message of the bot's own to one person.

Its delivery as people see it in Slack is tested end to end (tests/e2e/test_e2e_home_refusals.py).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.post_direct_notice import PostDirectNotice
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (
        PostDirectNotice(user="U0BOB", text=":warning: That page is not one this bot knows."),
        '{"text": ":warning: That page is not one this bot knows.", "user": "U0BOB"}',
    ),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: PostDirectNotice, text: str) -> None:
    assert_stored_as(effect, text)
