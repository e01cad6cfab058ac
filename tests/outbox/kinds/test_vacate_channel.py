"""channel.vacate: the public channel a private incident left, made honest and quiet (card and
topic replaced, renamed, a note, archived), in a lane apart from the incident's work.

Its delivery as people see it in Slack is tested end to end (tests/e2e/test_e2e_channel_left.py).
"""

from __future__ import annotations

import pytest

from bot.outbox.effect import Effect
from bot.outbox.kinds.leave_channel import LeaveChannel
from bot.outbox.kinds.vacate_channel import VacateChannel
from bot.outbox.registry import APART_LANES, AWAITED_LANES
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (
        VacateChannel(from_channel="C00000003", card_ts="1796641587.843201"),
        '{"card_ts": "1796641587.843201", "from_channel": "C00000003"}',
    ),
    (VacateChannel(from_channel="C00000003"), '{"card_ts": null, "from_channel": "C00000003"}'),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: Effect, text: str) -> None:
    assert_stored_as(effect, text)


def test_it_waits_for_the_move_to_settle_and_nothing_of_the_incident_waits_for_it() -> None:
    assert VacateChannel.lane in APART_LANES
    assert VacateChannel.after == LeaveChannel.lane and LeaveChannel.lane in AWAITED_LANES
