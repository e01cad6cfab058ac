"""view.open: the modal of `/incident open` typed without a title, and of *Declare incident*.

Its delivery as people see it in Slack is tested end to end (tests/e2e/).
"""

from __future__ import annotations

import pytest

from bot.domain.declared import SourceMessage
from bot.outbox.kinds.open_incident_modal import OpenIncidentModal
from bot.render import open_metadata
from bot.render.open_metadata import OpenedFrom
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
    (  # *Declare incident from message*: the title prefilled, the message carried in the metadata
        OpenIncidentModal(
            trigger_id="trigger.3",
            severity=2,
            private_metadata=open_metadata.write(
                OpenedFrom(
                    "C0TEAM",
                    "https://hooks.slack.com/actions/T0/1/x",
                    SourceMessage("C0TEAM", "1796033087.430667", "U0BOB", "checkout is throwing 500s"),
                )
            ),
            title="checkout is throwing 500s",
            from_message=True,
        ),
        '{"modal": {"from_message": true, "private_metadata": "{\\"channel\\":\\"C0TEAM\\",\\"response_url\\":'
        '\\"https://hooks.slack.com/actions/T0/1/x\\",\\"message\\":{\\"channel\\":\\"C0TEAM\\",\\"ts\\":'
        '\\"1796033087.430667\\",\\"author\\":\\"U0BOB\\",\\"text\\":\\"checkout is throwing 500s\\",'
        '\\"bot_name\\":null}}", "severity": 2, "title": "checkout is throwing 500s"}, "trigger_id": "trigger.3"}',
    ),
    (  # ... and, since the Private box follows the message's conversation, that conversation
        OpenIncidentModal(
            trigger_id="trigger.4",
            severity=2,
            private_metadata=open_metadata.write(
                OpenedFrom(
                    "C0PAYROLL",
                    "https://hooks.slack.com/actions/T0/1/x",
                    SourceMessage("C0PAYROLL", "1796033087.430667", "U0BOB", "export leaked"),
                )
            ),
            title="export leaked",
            from_message=True,
            message_channel="C0PAYROLL",
        ),
        '{"modal": {"from_message": true, "message_channel": "C0PAYROLL", "private_metadata": "{\\"channel\\":'
        '\\"C0PAYROLL\\",\\"response_url\\":\\"https://hooks.slack.com/actions/T0/1/x\\",\\"message\\":'
        '{\\"channel\\":\\"C0PAYROLL\\",\\"ts\\":\\"1796033087.430667\\",\\"author\\":\\"U0BOB\\",'
        '\\"text\\":\\"export leaked\\",\\"bot_name\\":null}}", "severity": 2, "title": "export leaked"}, '
        '"trigger_id": "trigger.4"}',
    ),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: OpenIncidentModal, text: str) -> None:
    assert_stored_as(effect, text)
