"""page.unanswered: nobody acknowledged a page, said in the incident channel with Page again and
Page someone else.

Its delivery through the emulator is tested end to end (tests/e2e/test_e2e_paging.py).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.post_unanswered import PostUnanswered
from tests.outbox.kinds.stored import assert_stored_as

STORED = [
    (
        PostUnanswered(request_id=2, text=":warning: <@U0ALICE> Nobody acknowledged the page to *bob* within 5m."),
        '{"request_id": 2, "text": ":warning: <@U0ALICE> Nobody acknowledged the page to *bob* within 5m."}',
    ),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: PostUnanswered, text: str) -> None:
    assert_stored_as(effect, text)
