"""view.open: the modal of `/incident open` typed without a title.

Its delivery as people see it in Slack is tested end to end (tests/e2e/).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.open_incident_modal import OpenIncidentModal
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (
        OpenIncidentModal(trigger_id="trigger.1", severity=3, private_metadata="C0GENERAL"),
        '{"modal": {"private_metadata": "C0GENERAL", "severity": 3}, "trigger_id": "trigger.1"}',
    ),
    (  # `/incident open --private` without a title: the Private box ticked
        OpenIncidentModal(trigger_id="trigger.2", severity=2, private_metadata="C0GENERAL", private=True),
        '{"modal": {"private": true, "private_metadata": "C0GENERAL", "severity": 2}, "trigger_id": "trigger.2"}',
    ),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: OpenIncidentModal, text: str) -> None:
    assert_stored_as(effect, text)
