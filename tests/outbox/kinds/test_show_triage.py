"""alerts.triage: a group's message in INCIDENT_ALERT_CHANNEL, posted once, then edited in place.

What people see is tested end to end (tests/e2e/test_e2e_triage.py); its queue and pace in
tests/outbox/test_triage_queue.py.
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.show_triage import ShowTriage
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (ShowTriage(alert_group_id=1), '{"alert_group_id": 1, "edit_only": false}'),
    (ShowTriage(alert_group_id=4, edit_only=True), '{"alert_group_id": 4, "edit_only": true}'),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: ShowTriage, text: str) -> None:
    assert_stored_as(effect, text)


def test_only_the_newest_pending_one_of_a_group_is_sent_and_all_keep_one_channel_s_pace() -> None:
    assert ShowTriage.superseded_by_later and ShowTriage.one_channel and not ShowTriage.batched
