"""The open modal's metadata: written when it is opened, read back as written when submitted."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.declared import SourceMessage
from bot.render import open_metadata
from bot.render.open_metadata import METADATA_MAX, OpenedFrom

MESSAGE = SourceMessage("C0TEAM", "1700000000.000100", "B0GRAFANA", "checkout “5xx” <@U0BOB>", bot_name="Grafana")


def test_a_channel_alone_is_written_as_it_always_was() -> None:
    assert open_metadata.write(OpenedFrom("C0GENERAL")) == "C0GENERAL"
    assert open_metadata.read("C0GENERAL") == OpenedFrom("C0GENERAL")
    assert open_metadata.read("") == OpenedFrom()


def test_a_message_reads_back_as_written() -> None:
    opened = OpenedFrom("C0TEAM", "https://hooks.slack.com/actions/1", MESSAGE)
    assert open_metadata.read(open_metadata.write(opened)) == opened


def test_when_the_impact_began_reads_back_as_written_in_utc() -> None:
    started = datetime(2022, 2, 17, 21, 31, tzinfo=ZoneInfo("Asia/Kolkata"))
    written = open_metadata.write(OpenedFrom("C0GENERAL", started_at=started))
    utc = "2022-02-17T16:01:00+00:00"
    assert json.loads(written) == {"channel": "C0GENERAL", "response_url": None, "started_at": utc}
    assert open_metadata.read(written) == OpenedFrom("C0GENERAL", started_at=started)


def test_a_long_message_is_cut_to_fit_slacks_limit_with_an_ellipsis() -> None:
    long = SourceMessage("C0TEAM", "1700000000.000100", "U0BOB", 'é"<' * 2000)
    written = open_metadata.write(OpenedFrom("C0TEAM", None, long))
    assert len(written) <= METADATA_MAX
    read = open_metadata.read(written).message
    assert read is not None and read.text.endswith("…") and long.text.startswith(read.text[:-1])


@pytest.mark.parametrize(
    "garbled",
    [
        "{",
        '{"message": "x"}',
        '{"message": {"channel": "C1", "ts": "soon", "author": "U1", "text": ""}}',
        '{"channel": 7}',
        '{"message": {"channel": "C1", "ts": "1.2", "text": ""}}',
        '{"started_at": "yesterday"}',
        '{"started_at": "2022-02-17T16:01:00"}',  # no offset
        '{"started_at": 1645113660}',
    ],
)
def test_metadata_that_is_not_what_was_written_is_refused(garbled: str) -> None:
    with pytest.raises(ValueError):
        open_metadata.read(garbled)
