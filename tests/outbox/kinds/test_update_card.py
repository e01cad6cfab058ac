"""card.update: the card as the incident is when sent; durations as they stood at `entry_id` (a close).

Its delivery as people see it in Slack is tested end to end (tests/e2e/).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.update_card import UpdateCard
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (UpdateCard(entry_id=2), '{"entry_id": 2}'),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: UpdateCard, text: str) -> None:
    assert_stored_as(effect, text)


def test_only_the_newest_pending_one_of_an_incident_is_sent() -> None:
    assert UpdateCard.superseded_by_later
