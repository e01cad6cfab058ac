"""retro.upload: the retrospective's Markdown shared in the incident channel.

Its delivery through the emulator's upload flow is tested end to end (tests/e2e/test_e2e_aftermath.py).
"""

from __future__ import annotations

import pytest

from bot.outbox.kinds.upload_retro import UploadRetro
from tests.outbox.kinds.stored import assert_stored_as

STORED = [
    (
        UploadRetro(
            filename="INC-2-retrospective.md",
            title="INC-2 retrospective",
            comment="Retrospective of *INC-2*, asked for by *alice*.",
            document="# INC-2: Something went wrong on the home page\n",
        ),
        '{"comment": "Retrospective of *INC-2*, asked for by *alice*.", '
        '"document": "# INC-2: Something went wrong on the home page\\n", '
        '"filename": "INC-2-retrospective.md", "title": "INC-2 retrospective"}',
    ),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: UploadRetro, text: str) -> None:
    assert_stored_as(effect, text)
