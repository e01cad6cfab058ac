"""page.send: a page's direct message, with Acknowledge and Can't take it.

Its delivery through the emulator (conversations.open, the message, the escalation time counted
from it) is tested end to end (tests/e2e/test_e2e_paging.py).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.send_page import SendPage
from tests.outbox.kinds.stored import assert_stored_as

STORED = [(SendPage(page_id=3), '{"page_id": 3}')]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: SendPage, text: str) -> None:
    assert_stored_as(effect, text)
