"""pagerduty.event: a component's page handed to PagerDuty's Events API v2, and its resolution.

Its delivery (to a recording stand-in for PagerDuty over HTTP) is tested end to end
(tests/e2e/test_e2e_pagerduty.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.incident import Incident, open_incident
from bot.outbox.kinds import pagerduty_event
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


def _incident(*, private: bool) -> Incident:
    now = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)
    title = "Card numbers of <acme> in the logs"
    incident, _ = open_incident(
        number=12, title=title, severity=2, actor="U0ALICE", started_at=now, now=now, zone=UTC, private=private
    )
    return incident


def test_a_private_incident_s_trigger_names_it_and_its_severity_never_its_title() -> None:
    private = pagerduty_event.trigger("home", _incident(private=True))
    assert private == PagerDutyEvent("home", "trigger", "INC-12", summary="Private incident INC-12 (sev2)", severity=2)
    public = pagerduty_event.trigger("home", _incident(private=False))
    assert public.summary == "INC-12 (sev2): Card numbers of <acme> in the logs"
