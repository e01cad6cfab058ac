"""view.open_page_picker: *Page someone else*'s picker.

Its delivery as people see it in Slack, and its submission, are tested end to end
(tests/e2e/test_e2e_page_picker.py).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.open_page_picker import OpenPagePicker
from bot.render import page_picker
from tests.outbox.kinds.stored import assert_stored_as

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (
        OpenPagePicker(trigger_id="trigger.7", incident_name="INC-1", private_metadata="1 C0000000004"),
        '{"incident_name": "INC-1", "private_metadata": "1 C0000000004", "trigger_id": "trigger.7"}',
    ),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: OpenPagePicker, text: str) -> None:
    assert_stored_as(effect, text)


def test_its_metadata_reads_back_and_nothing_else_does() -> None:
    assert page_picker.read_metadata(page_picker.metadata(7, "C0123")) == (7, "C0123")
    assert page_picker.read_metadata(page_picker.metadata(7, None)) == (7, None)
    for garbled in ("", "x", "7 C0<1>", "-1", "1" * 19):
        with pytest.raises(ValueError):
            page_picker.read_metadata(garbled)
