"""channel.topic: the channel's topic, rendered from the incident as it is when sent.

Its delivery as people see it in Slack is tested end to end (tests/e2e/).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.set_topic import SetTopic
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (SetTopic(), '{"entry_id": null}'),
    (SetTopic(entry_id=2), '{"entry_id": 2}'),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: SetTopic, text: str) -> None:
    assert_stored_as(effect, text)


def test_only_the_newest_pending_one_of_an_incident_is_sent() -> None:
    assert SetTopic.superseded_by_later
