"""Time to acknowledge a page in the insights (docs/behaviour.md, After the fire), computed in SQL on
SQLite and PostgreSQL alike: per severity, nearest-rank median and p90 over the window's pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.aftermath import AftermathService
from bot.domain.catalog import Catalog
from bot.domain.insights import Spread
from bot.lookup import Where
from bot.paging import PagingService
from bot.render.report import as_json, as_slack_lines
from bot.service import IncidentService
from bot.storage import members
from bot.storage.db import Database
from bot.storage.members import Member

START = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def test_time_to_acknowledge_is_reported_per_severity_with_median_and_p90(any_db: Database) -> None:
    clock = Clock()
    incidents = IncidentService(any_db, zone=ZoneInfo("UTC"), clock=clock)
    paging = PagingService(any_db, zone=ZoneInfo("UTC"), clock=clock, catalog=Catalog())
    with any_db.write() as session:
        people = [Member(user_id=f"U{n}", team_id="T1", display_name=f"p{n}", real_name="") for n in range(6)]
        members.put(session=session, members=people, learned_at=START)
    incidents.open(team_id="T1", actor="U0", title="Checkout fails", severity=1)
    incidents.open(team_id="T1", actor="U0", title="Slow search", severity=3)
    waits = [[60, 120, 600], [30]]  # INC-1 (sev1), INC-2 (sev3): seconds from each page to its acknowledgement
    for number, seconds in enumerate(waits, start=1):
        for person, wait in enumerate(seconds, start=1 + 3 * (number - 1)):
            clock.now = START + timedelta(hours=person)
            paging.page(Where("T1", number=number, user_id="U0"), actor="U0", people=[f"U{person}"])
            page_id = person  # pages are numbered in the order made
            clock.now += timedelta(seconds=wait)
            paging.acknowledge(page_id=page_id, actor=f"U{person}")
    paging.page(Where("T1", number=1, user_id="U0"), actor="U0", people=["U5"])  # never answered: not counted
    found = AftermathService(any_db, zone=ZoneInfo("UTC"), clock=clock).insights(
        team_id="T1", since=START - timedelta(days=1), until=START + timedelta(days=1)
    )
    assert found.acknowledge == {1: Spread(3, 120.0, 600.0), 3: Spread(1, 30.0, 30.0)}
    lines = as_slack_lines(found, ZoneInfo("UTC"))
    assert (
        "*Time to acknowledge a page*: sev1 median 2m, p90 10m (3 pages) · sev3 median 30s, p90 30s (1 page)" in lines
    )
    assert '"sev2": {\n      "count": 0,\n      "median": null,' in as_json(found)
