"""page.update: a page's direct message once answered, by its person or another.

Its delivery through the emulator is tested end to end (tests/e2e/test_e2e_paging.py; a page the
incident's resolution ended: tests/e2e/test_e2e_page_endings.py).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.update_page import UpdatePage
from tests.outbox.kinds.stored import assert_stored_as

STORED = [(UpdatePage(page_id=3), '{"page_id": 3}')]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: UpdatePage, text: str) -> None:
    assert_stored_as(effect, text)
