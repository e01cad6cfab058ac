"""notice.post: a reminder after the fire, posted in the incident channel.

Its delivery through the emulator is tested end to end (tests/e2e/test_e2e_aftermath.py).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.post_notice import PostNotice
from tests.outbox.kinds.stored import assert_stored_as

STORED = [
    (
        PostNotice(text="<@U0BOB> follow-up #1 of INC-2 was due 2022-02-24: Alert on 5xx"),
        '{"text": "<@U0BOB> follow-up #1 of INC-2 was due 2022-02-24: Alert on 5xx"}',
    ),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: PostNotice, text: str) -> None:
    assert_stored_as(effect, text)
