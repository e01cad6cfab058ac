"""public.withdraw: what the bot posted about an incident for anyone to read, edited to say only
that an incident was made private.

Its delivery as people see it in Slack is tested end to end (tests/e2e/test_e2e_private_withdrawn.py).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.withdraw_public import WithdrawPublic
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stores them (rows a deployed database holds).
STORED = [
    (WithdrawPublic(), "{}"),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: WithdrawPublic, text: str) -> None:
    assert_stored_as(effect, text)
