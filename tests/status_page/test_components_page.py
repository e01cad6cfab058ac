"""Components on the status page and in the Statuspage JSON, in-process on SQLite and PostgreSQL
(docs/behaviour.md, Status page): the incidents go through the services as people would make
them (open, affects with --at, publish, close, reopen, private), the page and the JSON are read
as a WSGI server calls them, and the history and uptime are checked against hand-worked sums."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime
from typing import Any

import feedparser
import pytest
from site_world import ALICE, COMPONENT_FIELDS, IST, World, call
from sqlalchemy import event, text

from bot import demo
from bot.domain.catalog import ComponentState, read_catalog
from bot.domain.incident import Status
from bot.service import Where
from bot.storage import history
from bot.storage.db import Database

# the demo's catalog, and an internal component that must never show
CATALOG = read_catalog(
    demo.CATALOG
    + """
[[component]]
id = "billing-db"
name = "Billing database"
public = false
"""
)
MAJOR, PARTIAL = ComponentState.MAJOR, ComponentState.PARTIAL
STATES = {"operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"}


def at(world: World, day: int, hours: int, minutes: int) -> None:
    world.clock.now = datetime(2022, 2, day, hours, minutes, tzinfo=IST)


def affects(world: World, number: int, component: str, state: ComponentState, when: str) -> None:
    world.incidents.affect(Where("T1", number=number), actor=ALICE, component=component, state=state, at=when)


@pytest.fixture
def story(any_db: Database) -> World:
    """| INC | what                                   | counts on the page?                          |
    |-----|----------------------------------------|----------------------------------------------|
    | 1   | api major 16 Feb 10:00-11:00, reopened 11:30-12:00 | yes: 90 min on 16 Feb            |
    | 2   | home partial 21:00, resolved 22:30     | yes: under INC-3's major from 21:41          |
    | 3   | home major 21:41, billing-db major, resolved 23:39 | home yes; billing-db is internal |
    | 4   | api major 22:00, then made private     | no: private                                  |
    | 5   | search major 22:05, never published    | no: not on the page                          |"""
    world = World(any_db, catalog=CATALOG)
    at(world, 16, 10, 0)
    first = world.open("API errors", severity=2, at="2022-02-16 10:00")
    affects(world, 1, "api", MAJOR, "2022-02-16 10:00")
    world.publish(first, text="The API is failing.")
    at(world, 16, 11, 0)
    world.incidents.close(first, actor=ALICE)
    at(world, 16, 11, 30)
    world.incidents.reopen(first, actor=ALICE)
    at(world, 16, 12, 0)
    world.incidents.close(first, actor=ALICE)
    at(world, 17, 21, 0)
    second = world.open("Search slow", severity=3, at="2022-02-17 21:00")
    affects(world, 2, "home page", PARTIAL, "2022-02-17 21:00")
    world.publish(second, text="The home page is slow for some of you.")
    at(world, 17, 21, 47)
    third = world.open("Something went wrong on the home page", severity=1, at="2022-02-17 21:41")
    affects(world, 3, "Home page", MAJOR, "2022-02-17 21:41")
    affects(world, 3, "billing-db", MAJOR, "2022-02-17 21:41")
    world.publish(third, text="The home page does not load.")
    at(world, 17, 22, 0)
    fourth = world.open("API down", severity=1, at="2022-02-17 22:00")
    affects(world, 4, "api", MAJOR, "2022-02-17 22:00")
    world.publish(fourth, text="The API is down.")
    world.incidents.set_private(fourth, actor=ALICE, private=True)
    at(world, 17, 22, 5)
    world.open("Search index rebuild", severity=2, at="2022-02-17 22:05")
    affects(world, 5, "search", MAJOR, "2022-02-17 22:05")
    return world


def bars(page: str) -> dict[str, list[str]]:
    """Each component's bar: its accessible name -> the label of each day, the oldest first."""
    found = re.findall(r'<ol class="bar" aria-label="([^"]*)">(.*?)</ol>', page, re.S)
    label = re.compile(r'<span class="day-label">([^<]*)<')
    return {html.unescape(name): [html.unescape(day) for day in label.findall(cells)] for name, cells in found}


def uptimes(page: str) -> list[str]:
    return [
        html.unescape(shown)
        for shown in re.findall(r'<p class="uptime" aria-describedby="uptime-note">([^<]*)</p>', page)
    ]


def test_the_page_shows_each_public_component_with_its_days_and_uptime_worked_by_hand(story: World) -> None:
    """At 18 Feb 00:00 IST the 90 days run from 21 Nov 2021 (89 full days, 128,160 minutes):
    - home: major 21:41-23:39 (118 min), partial 21:00-21:41 (41 min; 21:41-22:30 is under the
      major): 1 - (118 + 0.3 x 41) / 128,160 = 99.898% -> 99.89%;
    - api: 16 Feb major 10:00-11:00 and 11:30-12:00 (90 min; INC-4 is private):
      1 - 90 / 128,160 = 99.929% -> 99.92%;
    - search: INC-5 was never published: 100%."""
    at(story, 17, 23, 45)
    story.incidents.close(Where("T1", number=2), actor=ALICE, at="2022-02-17 22:30")
    story.incidents.close(Where("T1", number=3), actor=ALICE, at="2022-02-17 23:39")
    at(story, 18, 0, 0)
    page = call(story.site(), "/status").text
    shown = bars(page)
    assert list(shown) == [
        "Home page: the last 90 days, one day each",
        "Search: the last 90 days, one day each",
        "Public API: the last 90 days, one day each",
    ], "public components only, in the catalog's order"
    assert "Billing database" not in page
    assert all(len(days) == 90 for days in shown.values())
    home, search, api = shown.values()
    assert home[-2] == "17 Feb 2022: major outage for 1h 58m, partial outage for 41m"
    assert home[0] == "21 Nov 2021: no outage" and home[-1] == "18 Feb 2022: no outage"
    assert search[-2] == "17 Feb 2022: no outage"
    assert api[-3:-1] == ["16 Feb 2022: major outage for 1h 30m", "17 Feb 2022: no outage"]
    assert uptimes(page) == ["99.89% uptime", "100% uptime", "99.92% uptime"]
    assert re.search(r'<h3 class="group"><bdi>Web</bdi></h3>\s*<ul class="components">', page)
    assert '<li class="day day-major_outage"><span class="day-label">17 Feb 2022: major outage for 1h 58m' in page
    assert "time in a partial outage counts for 30%" in html.unescape(page)
    affected = re.findall(r'<p class="affects">([^<]*)</p>', page)
    assert sorted(affected) == [  # INC-4 (private) and INC-5 (unpublished) are not on the page
        "Affected: Home page (major outage).", "Affected: Home page (partial outage).",
        "Affected: Public API (major outage).",
    ]  # fmt: skip
    french = call(story.site(), "/status", query="lang=fr").text
    assert bars(french)["Page d'accueil\u00a0: les 90 derniers jours, un par case"][-2] == (
        "17 févr. 2022\u00a0: panne majeure pendant 1\u00a0h 58\u00a0min, panne partielle pendant 41\u00a0min"
    )
    assert uptimes(french)[0] == "99,89\u00a0% de disponibilité"


def test_the_json_says_the_components_states_with_statuspage_s_fields_and_enums(story: World) -> None:
    at(story, 17, 22, 10)
    site = story.site()
    components = json.loads(call(site, "/api/v2/components.json").body)
    listed = components["components"]
    assert [(c["name"], c["status"], c["group"]) for c in listed] == [
        ("Web", "major_outage", True),
        ("Home page", "major_outage", False),
        ("Search", "operational", False),  # INC-5 was never published
        ("Public API", "operational", False),  # INC-4 is private
    ]
    web, home, search, api = listed
    for component in listed:
        assert set(component) == COMPONENT_FIELDS | ({"components"} if component["group"] else set())
        assert component["status"] in STATES and component["page_id"] == components["page"]["id"]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", component["updated_at"])
    assert web["components"] == ["home", "search"] and home["group_id"] == search["group_id"] == web["id"]
    assert api["group_id"] is None and (home["id"], api["id"]) == ("home", "api")
    assert home["description"] == "chirper.example and the mobile home feed" and search["description"] is None
    assert home["updated_at"] == "2022-02-17T16:11:00.000Z", "its last change: INC-3's major outage at 21:41 IST"
    summary = json.loads(call(site, "/api/v2/summary.json").body)
    assert summary["components"] == listed
    assert summary["status"] == {"indicator": "major", "description": "Partial System Outage"}
    incidents = sorted(summary["incidents"], key=lambda incident: incident["created_at"])
    assert [(i["impact"], i["components"]) for i in incidents] == [
        ("critical", [api]),  # INC-1: a major outage of the API on 16 Feb (never said resolved in public)
        ("major", [home]),  # INC-2: sev3, but a partial outage
        ("critical", [home]),  # INC-3; INC-4 is private, INC-5 unpublished
    ]
    assert json.loads(call(site, "/api/v2/status.json").body)["status"] == summary["status"]
    unresolved = json.loads(call(site, "/api/v2/incidents/unresolved.json").body)["incidents"]
    assert [(i["id"], i["components"]) for i in unresolved] == [
        (i["id"], i["components"]) for i in summary["incidents"]
    ]


def test_each_update_says_the_components_it_affected_then_as_statuspage_does(story: World) -> None:
    """Statuspage gives each incident update every component the incident had affected by then,
    with its state at the update before (`old_status`) and at this one (`new_status`); `null`
    for an update by whose time it affected none. INC-3 (published 21:47, home major since
    21:41; billing-db is private) -> home partial at 22:20, published identified at 22:25;
    search major at 22:30 (not published); resolved at 23:39, published at 23:45."""
    third = Where("T1", number=3)
    at(story, 17, 22, 20)
    affects(story, 3, "home", PARTIAL, "2022-02-17 22:20")
    at(story, 17, 22, 25)
    story.incidents.set_status(third, actor=ALICE, status=Status.IDENTIFIED)
    story.publish(third, text="A bad deploy; rolling back.")
    at(story, 17, 22, 30)
    affects(story, 3, "search", MAJOR, "2022-02-17 22:30")
    at(story, 17, 23, 39)
    story.incidents.close(third, actor=ALICE)
    at(story, 17, 23, 45)
    story.publish(third, text="Fixed.")
    listed = json.loads(call(story.site(), "/api/v2/incidents.json").body)
    by_name = {incident["incident_updates"][-1]["body"]: incident for incident in listed["incidents"]}
    updates = by_name["The home page does not load."]["incident_updates"]
    assert [(u["status"], u["display_at"]) for u in updates] == [
        ("resolved", "2022-02-17T18:15:00.000Z"),
        ("identified", "2022-02-17T16:55:00.000Z"),
        ("investigating", "2022-02-17T16:17:00.000Z"),
    ]
    resolved, identified, first = (u["affected_components"] for u in updates)
    home, search = {"code": "home", "name": "Home page"}, {"code": "search", "name": "Search"}
    assert first == [{**home, "old_status": "operational", "new_status": "major_outage"}], "billing-db is private"
    assert identified == [{**home, "old_status": "major_outage", "new_status": "partial_outage"}]
    assert resolved == [
        {**home, "old_status": "partial_outage", "new_status": "operational"},
        {**search, "old_status": "operational", "new_status": "operational"},  # affected 22:30-23:39, between
    ], "every component affected by then, in the page's order, each returned to operational by the resolution"
    for update in updates:
        for said in update["affected_components"]:
            assert list(said) == ["code", "name", "old_status", "new_status"]
    french = json.loads(call(story.site(), "/api/v2/incidents.json", query="lang=fr").body)
    names = {u["body"]: u["affected_components"] for i in french["incidents"] for u in i["incident_updates"]}
    assert names["A bad deploy; rolling back."] == [
        {"code": "home", "name": "Page d'accueil", "old_status": "major_outage", "new_status": "partial_outage"}
    ]
    without = World(story.db)  # the same incidents, no catalog: no component is public
    assert {
        str(u["affected_components"])
        for i in json.loads(call(without.site(), "/api/v2/incidents.json").body)["incidents"]
        for u in i["incident_updates"]
    } == {"None"}, "an update that affected no public component says null, as Statuspage's do"


def test_the_feeds_name_the_components_each_entry_affects(story: World) -> None:
    at(story, 17, 22, 10)
    atom = feedparser.parse(call(story.site(), "/status/history.atom").body)
    assert len(atom.entries) == 3, "INC-4 is private, INC-5 unpublished"
    api = next(entry for entry in atom.entries if "The API is failing." in entry.content[0].value)
    assert api.content[0].value.startswith("Affected: Public API (major outage).\n\nThe API is failing.")
    home = next(entry for entry in atom.entries if "does not load" in entry.content[0].value)
    assert home.content[0].value.startswith("Affects: Home page (major outage).")
    assert [tag.term for tag in home.tags] == ["home"] and home.tags[0].label == "Home page"
    rss = feedparser.parse(call(story.site(), "/status/history.rss", query="lang=fr").body)
    item = next(entry for entry in rss.entries if "does not load" in entry.summary)
    assert item.summary.startswith("Concerne\u00a0: Page d'accueil (panne majeure).")
    assert [tag.term for tag in item.tags] == ["Page d'accueil"]


def test_the_page_is_rendered_again_as_today_s_cell_grows_and_when_a_new_day_begins(story: World) -> None:
    site = story.site()
    at(story, 17, 22, 10)
    first = call(site, "/status").text
    assert bars(first)["Home page: the last 90 days, one day each"][-1] == (
        "17 Feb 2022: major outage for 29m, partial outage for 41m"
    )
    at(story, 17, 22, 10)
    story.clock.now = story.clock.now.replace(second=59)
    assert call(site, "/status").text == first, "kept within the minute"
    at(story, 17, 22, 12)
    assert bars(call(site, "/status").text)["Home page: the last 90 days, one day each"][-1].startswith(
        "17 Feb 2022: major outage for 31m"
    )
    story.incidents.close(Where("T1", number=2), actor=ALICE)
    story.incidents.close(Where("T1", number=3), actor=ALICE)
    at(story, 17, 23, 59)
    before = bars(call(site, "/status").text)["Search: the last 90 days, one day each"]
    at(story, 18, 0, 1)
    after = bars(call(site, "/status").text)["Search: the last 90 days, one day each"]
    assert (before[-1], after[-1], after[-2]) == ("17 Feb 2022: no outage", "18 Feb 2022: no outage", before[-1])


def test_without_a_catalog_the_page_and_json_have_no_components(any_db: Database) -> None:
    world = World(any_db)
    where = world.open(severity=1)
    world.publish(where)
    page = call(world.site(), "/status").text
    assert 'class="bar"' not in page and 'class="uptime"' not in page and 'id="components"' not in page
    summary: dict[str, Any] = json.loads(call(world.site(), "/api/v2/summary.json").body)
    assert summary["components"] == [] and summary["incidents"][0]["components"] == []
    assert summary["status"] == {"indicator": "critical", "description": "Major System Outage"}
    assert json.loads(call(world.site(), "/api/v2/components.json").body)["components"] == []


def test_the_history_is_read_by_index_from_the_first_day_shown_never_by_scanning(any_db: Database) -> None:
    """The impacts that ended since the first day shown (a range of ix_component_impact_ended) and
    those that still hold, each one's incident looked up: what is read grows with the days shown,
    not with all of history. SQLite looks the incident up by its key; PostgreSQL in
    ix_incident_public, one row per impact (a lateral lookup: never a hash of every listed
    incident, which grows with history). PostgreSQL's choice between an index and a scan depends
    on the tables' sizes (bench/status_page.py prints the plan at 100,000 incidents), so here it is
    asked for the plan with scans ruled out: the statement must be able to use its indexes."""
    captured: list[tuple[str, Any]] = []

    def remember(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        captured.append((statement, parameters))

    event.listen(any_db.engine, "before_cursor_execute", remember)
    with any_db.read() as session:
        history.in_period(
            session=session, since=datetime(2021, 11, 20, tzinfo=IST), until=datetime(2022, 2, 18, tzinfo=IST)
        )
        if any_db.engine.dialect.name == "postgresql":
            # its estimated cost would have it compiled (JIT), which takes longer than running it
            assert session.execute(text("SHOW jit")).scalar() == "off"
    event.remove(any_db.engine, "before_cursor_execute", remember)
    statement, parameters = next(each for each in reversed(captured) if "FROM component_impact" in each[0])
    with any_db.engine.begin() as connection:
        if any_db.engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            plan = " | ".join(str(row) for row in rows)
            assert "SCAN" not in plan, plan
            assert plan.count("USING INDEX ix_component_impact_") == 2 and "USING INTEGER PRIMARY KEY" in plan, plan
            return
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = " | ".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
    assert "Seq Scan" not in plan and "Hash" not in plan, plan
    assert plan.count(" ix_component_impact_") == 2, plan  # the days' range, and what still holds (by index)
    assert plan.count("Index Only Scan using ix_incident_public on incident") == 2, plan
