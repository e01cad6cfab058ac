"""The close's report in Slack and the retrospective's Durations name each measure the same way
(bot/render/durations.py), each in its own markup (pure rendering)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.durations import compute
from bot.domain.incident import Status, change_status, open_incident
from bot.domain.retro import Record
from bot.render.lines import duration_lines
from bot.render.retro import markdown

IST = ZoneInfo("Asia/Kolkata")
REPORTED = datetime(2022, 2, 17, 21, 41, tzinfo=IST)


def closed_story() -> Record:
    """Impact began 12 minutes before the report; identified at 22:06, monitoring at 23:10, resolved at 23:39."""
    began = REPORTED - timedelta(minutes=12)
    incident, opened = open_incident(
        number=2, title="Home page down", severity=1, actor="U1", started_at=began, now=REPORTED, zone=IST
    )
    entries = [opened]
    for status, at in (
        (Status.IDENTIFIED, began + timedelta(minutes=25)),
        (Status.MONITORING, began + timedelta(minutes=89)),
        (Status.RESOLVED, began + timedelta(minutes=118)),
    ):
        incident, entry = change_status(incident, to=status, actor="U1", at=at, now=at, zone=IST)
        entries.append(entry)
    return Record(incident, entries, compute(incident, entries), {"U1": "alice"}, IST)


def test_the_close_in_slack_names_every_measure() -> None:
    assert duration_lines(closed_story().durations) == [
        "Total duration *1h 58m* · time to identify *25m* · time to mitigate *1h 29m*",
        "Time in each status: investigating 25m · identified 1h 4m · monitoring 29m",
        "Detection lag *12m*",
    ]


def test_the_retrospective_names_them_as_slack_does() -> None:
    document = markdown(closed_story()).splitlines()
    start = document.index("## Durations") + 2
    assert document[start : document.index("", start)] == [
        "- Total duration: 1h 58m",
        "- Time to identify: 25m",
        "- Time to mitigate: 1h 29m",
        "- Time in each status: investigating 25m · identified 1h 4m · monitoring 29m",
        "- Detection lag: 12m",
    ]
