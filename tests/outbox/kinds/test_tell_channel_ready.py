"""reply.channel_ready: tell whoever opened the incident where its new channel is.

Its delivery as people see it in Slack is tested end to end (tests/e2e/).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.tell_channel_ready import TellChannelReady
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (
        TellChannelReady(
            user="U0ALICE",
            response_url="https://hooks.slack.test/commands/T0DISPATCH/1/abc",
            origin="C0GENERAL",
        ),
        '{"origin": "C0GENERAL", "response_url": "https://hooks.slack.test/commands/T0DISPATCH/1/abc", '
        '"user": "U0ALICE"}',
    ),
    (TellChannelReady(user="U1"), '{"origin": null, "response_url": null, "user": "U1"}'),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: TellChannelReady, text: str) -> None:
    assert_stored_as(effect, text)
