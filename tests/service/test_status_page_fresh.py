"""The status page is rendered once per change and never served stale (docs/behaviour.md, Status
page), on SQLite and PostgreSQL: two `StatusSite`s on one database stand for two web processes,
each with its own kept answers; every change the page shows is there at the next request."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.domain.incident import Status
from bot.drafts import DraftService
from bot.lookup import Where
from bot.service import IncidentService
from bot.status_page.site import StatusSite
from bot.storage import public
from bot.storage.db import Database

IST = ZoneInfo("Asia/Kolkata")
INC_1 = Where(team_id="T1", number=1)
ALICE = "U0ALICE"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2022, 2, 17, 21, 41, tzinfo=IST)

    def __call__(self) -> datetime:
        return self.now


class World:
    def __init__(self, db: Database) -> None:
        self.clock = Clock()
        settings = Settings(zone=IST, status_channel="C0STATUS", public_name="Chirper", languages=("en", "fr"))
        self.incidents = IncidentService(db, zone=IST, clock=self.clock)
        self.drafts = DraftService(db, settings, clock=self.clock)
        self.sites = [StatusSite(db, settings, clock=self.clock) for _ in range(2)]  # two processes

    def publish(self, length: str = "long") -> str:
        drafted = self.drafts.draft(INC_1, actor=ALICE, language="en", length=length)
        return self.drafts.publish(drafted.drafts[0].id, actor=ALICE).text

    def get(self, site: StatusSite, path: str = "/status") -> str:
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "lang=en", "SERVER_NAME": "status.test",
                   "SERVER_PORT": "80", "wsgi.url_scheme": "http", "HTTP_HOST": "status.test"}  # fmt: skip
        answered: list[str] = []

        def start(status: str, headers: Any, info: Any = None) -> None:
            answered.append(status)

        body = b"".join(site(environ, start))  # type: ignore[arg-type]
        assert answered == ["200 OK"]
        return body.decode()

    def last_modified(self, path: str = "/status") -> str:
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "status.test",
                   "SERVER_PORT": "80", "wsgi.url_scheme": "http", "HTTP_HOST": "status.test"}  # fmt: skip
        headers: dict[str, str] = {}

        def start(status: str, given: Any, info: Any = None) -> None:
            headers.update(given)

        b"".join(self.sites[0](environ, start))  # type: ignore[arg-type]
        return headers["Last-Modified"]

    def everywhere(self, path: str = "/status") -> list[str]:
        return [self.get(site, path) for site in self.sites]


@pytest.fixture
def world(any_db: Database) -> World:
    world = World(any_db)
    world.incidents.open(team_id="T1", actor=ALICE, title="db-7 primary is down", severity=2)
    for page in world.everywhere() + world.everywhere("/api/v2/summary.json"):  # both processes keep a page
        assert "Investigating" not in page
    return world


def test_a_publication_is_on_the_page_and_in_the_json_of_every_process_at_once(world: World) -> None:
    words = world.publish()
    for page in world.everywhere():
        assert words.replace("'", "&#39;") in page and "Partial outage" in page
    for summary in world.everywhere("/api/v2/summary.json"):
        assert json.loads(summary)["status"]["indicator"] == "major"


def test_a_public_title_and_a_severity_change_show_at_once(world: World) -> None:
    world.publish()
    world.everywhere()
    world.incidents.set_public_title(INC_1, actor=ALICE, text="Home page errors")
    assert all("Home page errors" in page for page in world.everywhere())
    world.incidents.set_severity(INC_1, actor=ALICE, severity=1)
    for summary in world.everywhere("/api/v2/summary.json"):
        assert json.loads(summary)["status"]["indicator"] == "critical"


def test_an_unchanged_page_is_served_as_kept_until_the_version_moves(world: World, any_db: Database) -> None:
    world.publish()
    first = world.everywhere()
    with any_db.read() as session:
        version = public.version(session=session)
    assert version is not None
    key = ("/status", "en")
    for site in world.sites:
        assert site.cache.get(key, version, world.clock()) is not None
        assert site.cache.get(key, version + 1, world.clock()) is None, "a newer version is never answered as kept"
    assert world.everywhere() == first


def test_a_resolved_incident_leaves_the_page_90_days_later_without_any_change(world: World) -> None:
    world.publish()
    world.clock.now += timedelta(minutes=30)
    world.incidents.close(INC_1, actor=ALICE)
    world.publish()
    assert all("Past incidents" in page and "Service disruption" in page for page in world.everywhere())
    world.clock.now += timedelta(days=90)
    assert all("Service disruption" in page for page in world.everywhere())
    world.clock.now += timedelta(minutes=1)
    assert all("Service disruption" not in page for page in world.everywhere())


def test_when_an_incident_leaves_the_page_last_modified_moves_to_that_moment(world: World) -> None:
    """A reader sending only If-Modified-Since must see the page without it, not a 304."""
    world.publish()
    world.clock.now += timedelta(minutes=30)
    world.incidents.close(INC_1, actor=ALICE)
    world.publish()  # resolved at 22:11 IST = 16:41 UTC
    assert world.last_modified() == "Thu, 17 Feb 2022 16:41:00 GMT"
    world.clock.now += timedelta(days=90, minutes=5)
    assert world.last_modified() == "Wed, 18 May 2022 16:41:00 GMT", "90 days after the resolution"


def test_a_note_or_a_status_change_leaves_the_kept_page_alone(world: World, any_db: Database) -> None:
    world.publish()
    world.everywhere()

    def version() -> int | None:
        with any_db.read() as session:
            return public.version(session=session)

    before = version()
    world.incidents.note(INC_1, actor=ALICE, text="rolled back deploy 4411")
    world.incidents.set_status(INC_1, actor=ALICE, status=Status.IDENTIFIED)
    assert version() == before, "nothing the public reads changed"
    world.incidents.set_severity(INC_1, actor=ALICE, severity=1)
    assert version() == (before or 0) + 1
