"""Incidents affecting catalog components through the service, on SQLite and PostgreSQL
(docs/behaviour.md, Components): each change stored with its times, refusals storing nothing, a
resolution returning components to operational at the resolved time, a reopening bringing them
back, and a catalog change keeping past records."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from bot.domain import affects
from bot.domain.affects import ComponentImpact, read_changes
from bot.domain.catalog import Catalog, ComponentState, read_catalog
from bot.domain.incident import EntryKind
from bot.errors import BadTime, NotFound, RuleRefused, UsageError
from bot.lookup import Where
from bot.service import IncidentService
from bot.storage import catalog as stored_impacts
from bot.storage import public
from bot.storage.db import Database

KOLKATA = ZoneInfo("Asia/Kolkata")
CATALOG = read_catalog(
    '[[component]]\nid = "home"\nname = { en = "Home page", fr = "Page d\'accueil" }\ngroup = "Web"\n'
    '[[component]]\nid = "api"\nname = "Public API"\n'
    '[[component]]\nid = "billing-db"\nname = "Billing database"\npublic = false\n'
)
INC_1 = Where("T1", number=1, user_id="U0ALICE")
MAJOR, PARTIAL, DEGRADED = ComponentState.MAJOR, ComponentState.PARTIAL, ComponentState.DEGRADED
Unchanged = Callable[[Database], AbstractContextManager[None]]


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2022, 2, 17, 21, 50, tzinfo=KOLKATA)

    def __call__(self) -> datetime:
        return self.now

    def at(self, hours: int, minutes: int, day: int = 17) -> datetime:
        self.now = datetime(2022, 2, day, hours, minutes, tzinfo=KOLKATA)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def incidents(any_db: Database, clock: Clock) -> IncidentService:
    service = IncidentService(any_db, zone=KOLKATA, clock=clock, catalog=CATALOG)
    service.open(team_id="T1", actor="U0ALICE", title="Something went wrong", at="21:41")
    return service


def impacts(db: Database) -> list[ComponentImpact]:
    with db.read() as session:
        return stored_impacts.impacts(session=session, incident_id=1)


def ist(hours: int, minutes: int, day: int = 17) -> datetime:
    return datetime(2022, 2, day, hours, minutes, tzinfo=KOLKATA)


def queued_lines(db: Database) -> list[int]:
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT payload FROM effect WHERE kind = 'timeline.post' ORDER BY id"))
        return [json.loads(row[0])["entry_id"] for row in rows]


def test_each_change_is_stored_with_its_times_and_its_timeline_line(
    incidents: IncidentService, any_db: Database, clock: Clock
) -> None:
    changed = incidents.affect(INC_1, actor="U0ALICE", component="Home Page", state=MAJOR, at="21:41")
    assert changed.entry.kind is EntryKind.COMPONENTS and changed.entry.at == ist(21, 41)
    clock.at(22, 30)
    incidents.affect(INC_1, actor="U0BOB", component="public api", state=PARTIAL)
    clock.at(23, 0)
    incidents.affect(INC_1, actor="U0BOB", component="home", state=DEGRADED)
    assert impacts(any_db) == [
        ComponentImpact("home", MAJOR, ist(21, 41), ist(23, 0)),
        ComponentImpact("api", PARTIAL, ist(22, 30)),
        ComponentImpact("home", DEGRADED, ist(23, 0)),
    ]
    entries = [entry for entry in incidents.timeline(INC_1).entries if entry.kind is EntryKind.COMPONENTS]
    assert [(change.name, change.was, change.now) for entry in entries for change in read_changes(entry)] == [
        ("Home page", ComponentState.OPERATIONAL, MAJOR),
        ("Public API", ComponentState.OPERATIONAL, PARTIAL),
        ("Home page", MAJOR, DEGRADED),
    ]
    assert len(queued_lines(any_db)) == 4  # the opening line and one per change


def test_resolving_returns_every_component_to_operational_at_the_resolved_time(
    incidents: IncidentService, any_db: Database, clock: Clock
) -> None:
    incidents.affect(INC_1, actor="U0ALICE", component="home", state=MAJOR, at="21:41")
    incidents.affect(INC_1, actor="U0ALICE", component="api", state=PARTIAL)
    clock.at(23, 50)
    incidents.close(INC_1, actor="U0BOB", at="23:39")
    assert impacts(any_db) == [
        ComponentImpact("home", MAJOR, ist(21, 41), ist(23, 39), ended_by_resolution=True),
        ComponentImpact("api", PARTIAL, ist(21, 50), ist(23, 39), ended_by_resolution=True),
    ]
    last = incidents.timeline(INC_1).entries[-1]
    assert (last.kind, last.at, last.actor) == (EntryKind.COMPONENTS, ist(23, 39), "U0BOB")
    assert {change.now for change in read_changes(last)} == {ComponentState.OPERATIONAL}
    assert queued_lines(any_db)[-1] > queued_lines(any_db)[-2], "the line comes after the resolution's"


def test_reopening_brings_the_components_back_from_the_reopening(
    incidents: IncidentService, any_db: Database, clock: Clock
) -> None:
    incidents.affect(INC_1, actor="U0ALICE", component="home", state=MAJOR, at="21:41")
    clock.at(22, 30)
    incidents.close(INC_1, actor="U0ALICE")
    clock.at(23, 5)
    incidents.reopen(INC_1, actor="U0ALICE", reason="errors are back")
    clock.at(23, 40)
    incidents.close(INC_1, actor="U0ALICE")
    assert impacts(any_db) == [
        ComponentImpact("home", MAJOR, ist(21, 41), ist(22, 30), ended_by_resolution=True),
        ComponentImpact("home", MAJOR, ist(23, 5), ist(23, 40), ended_by_resolution=True),
    ]


def test_a_resolution_without_components_records_no_components_line(incidents: IncidentService) -> None:
    incidents.close(INC_1, actor="U0ALICE")
    assert EntryKind.COMPONENTS not in {entry.kind for entry in incidents.timeline(INC_1).entries}


def test_components_chosen_at_open_start_with_the_impact(any_db: Database, clock: Clock) -> None:
    service = IncidentService(any_db, zone=KOLKATA, clock=clock, catalog=CATALOG)
    service.open(team_id="T1", actor="U0ALICE", title="Down", at="21:41", components={"home": MAJOR, "api": PARTIAL})
    assert impacts(any_db) == [
        ComponentImpact("home", MAJOR, ist(21, 41)),
        ComponentImpact("api", PARTIAL, ist(21, 41)),
    ]
    entries = service.timeline(INC_1).entries
    assert [entry.kind for entry in entries] == [EntryKind.OPENED, EntryKind.COMPONENTS]
    assert len(queued_lines(any_db)) == 2


def test_an_incident_declared_from_an_alert_affects_the_components_its_labels_match(
    any_db: Database, clock: Clock
) -> None:
    """What the alert declare path calls (bot.domain.affects.from_alert): a partial outage, a major
    one for sev1, for each component whose `alerts` matchers all hold."""
    catalog = read_catalog(
        '[[component]]\nid = "home"\nname = "Home page"\nalerts = [\'service="web"\']\n'
        '[[component]]\nid = "api"\nname = "Public API"\nalerts = [\'service=~"web|api"\', \'env="prod"\']\n'
        '[[component]]\nid = "search"\nname = "Search"\n'
    )
    service = IncidentService(any_db, zone=KOLKATA, clock=clock, catalog=catalog)
    labels = {"alertname": "HighErrorRate", "service": "web", "env": "prod"}
    for severity in (2, 1):
        service.open(team_id="T1", actor="U0ALICE", title="Errors", severity=severity,
                     components=affects.from_alert(catalog, labels, severity))  # fmt: skip
    with any_db.read() as session:
        second = stored_impacts.impacts(session=session, incident_id=2)
    assert impacts(any_db) == [ComponentImpact("home", PARTIAL, clock.now), ComponentImpact("api", PARTIAL, clock.now)]
    assert second == [ComponentImpact("home", MAJOR, clock.now), ComponentImpact("api", MAJOR, clock.now)]


def test_a_component_removed_from_the_catalog_stays_in_past_records(
    any_db: Database, incidents: IncidentService, clock: Clock
) -> None:
    incidents.affect(INC_1, actor="U0ALICE", component="api", state=MAJOR)
    restarted = IncidentService(any_db, zone=KOLKATA, clock=clock, catalog=Catalog(CATALOG.components[:1]))
    clock.at(22, 20)
    restarted.close(INC_1, actor="U0ALICE")
    assert impacts(any_db) == [ComponentImpact("api", MAJOR, ist(21, 50), ist(22, 20), ended_by_resolution=True)]
    names = [change.name for entry in restarted.timeline(INC_1).entries for change in _changes(entry)]
    assert names == ["Public API", "api"]  # as the catalog said it then; by its id once gone


def _changes(entry: Any) -> list[Any]:
    return read_changes(entry) if entry.kind is EntryKind.COMPONENTS else []


@pytest.mark.parametrize(
    ("component", "state", "at", "refusal", "message"),
    [
        ("hom", MAJOR, None, UsageError, r"There is no component “hom”\. Did you mean Home page \(`home`\)\?"),
        ("kubernetes", MAJOR, None, UsageError, r"The catalog has Home page \(`home`\), Public API \(`api`\), "),
        ("api", ComponentState.OPERATIONAL, None, RuleRefused, r"INC-1 does not affect Public API"),
        ("home", PARTIAL, None, RuleRefused, r"INC-1 already affects Home page: partial outage\."),
        ("home", MAJOR, "21:30", BadTime, r"21:30 IST is before INC-1 started \(21:41 IST\)"),
        ("home", MAJOR, "21:43", BadTime, r"Home page last changed at 21:45 IST on INC-1"),
    ],
)
def test_a_refused_change_stores_nothing(
    incidents: IncidentService,
    any_db: Database,
    clock: Clock,
    unchanged: Unchanged,
    component: str,
    state: ComponentState,
    at: str | None,
    refusal: type[Exception],
    message: str,
) -> None:
    clock.at(21, 45)
    incidents.affect(INC_1, actor="U0ALICE", component="home", state=PARTIAL)
    clock.at(21, 50)
    with unchanged(any_db), pytest.raises(refusal, match=message):
        incidents.affect(INC_1, actor="U0ALICE", component=component, state=state, at=at)


def test_a_resolved_incident_and_a_missing_one_refuse_and_store_nothing(
    incidents: IncidentService, any_db: Database, unchanged: Unchanged
) -> None:
    incidents.close(INC_1, actor="U0ALICE")
    with unchanged(any_db), pytest.raises(RuleRefused, match="INC-1 is resolved"):
        incidents.affect(INC_1, actor="U0ALICE", component="home", state=MAJOR)
    with unchanged(any_db), pytest.raises(NotFound, match="There is no INC-9"):
        incidents.affect(Where("T1", number=9), actor="U0ALICE", component="home", state=MAJOR)


def test_a_resolution_dated_before_a_component_changed_is_refused_and_stores_nothing(
    incidents: IncidentService, any_db: Database, clock: Clock, unchanged: Unchanged
) -> None:
    clock.at(22, 30)
    incidents.affect(INC_1, actor="U0ALICE", component="home", state=MAJOR)
    with unchanged(any_db), pytest.raises(BadTime, match="Home page has been major outage since 22:30 IST"):
        incidents.close(INC_1, actor="U0ALICE", at="22:00")


def test_without_a_catalog_the_reply_says_how_to_give_one(any_db: Database, unchanged: Unchanged) -> None:
    service = IncidentService(any_db, zone=KOLKATA)
    service.open(team_id="T1", actor="U0ALICE", title="Down")
    with unchanged(any_db), pytest.raises(UsageError, match="set INCIDENT_CATALOG"):
        service.affect(INC_1, actor="U0ALICE", component="home", state=MAJOR)


def test_a_listed_incident_s_change_is_a_public_change_and_an_unlisted_one_s_is_not(
    incidents: IncidentService, any_db: Database, clock: Clock
) -> None:
    def version() -> int | None:
        with any_db.read() as session:
            return public.version(session=session)

    before = version()
    incidents.affect(INC_1, actor="U0ALICE", component="home", state=MAJOR)
    assert version() == before, "nobody published anything: the page shows nothing of it"
    with any_db.write() as session:
        session.execute(text("UPDATE incident SET listed_at = :at"), {"at": clock.now})
    listed = version()
    clock.now += timedelta(minutes=5)
    incidents.affect(INC_1, actor="U0ALICE", component="home", state=PARTIAL)
    assert version() != listed
