"""pagerduty.event: a component's page handed to PagerDuty's Events API v2, and its resolution.

Its delivery (to a recording stand-in for PagerDuty over HTTP) is tested end to end
(tests/e2e/test_e2e_pagerduty.py).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.pagerduty_event import PagerDutyEvent
from tests.outbox.kinds.stored import assert_stored_as

STORED = [
    (
        PagerDutyEvent("home", "trigger", "INC-1", summary="INC-1 (sev1): Checkout fails", severity=1),
        '{"action": "trigger", "component_id": "home", "dedup_key": "INC-1", "severity": 1, '
        '"summary": "INC-1 (sev1): Checkout fails"}',
    ),
    (
        PagerDutyEvent("home", "resolve", "INC-1"),
        '{"action": "resolve", "component_id": "home", "dedup_key": "INC-1", "severity": 2, "summary": ""}',
    ),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: PagerDutyEvent, text: str) -> None:
    assert_stored_as(effect, text)
