"""Triage decisions on a group of alerts, on SQLite and PostgreSQL (docs/behaviour.md, Alerts):
declared as an incident once however many click at once, added, dismissed, refused with nothing
stored when the message is out of date; rules that declare at once or after a while."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.aftermath import AftermathService
from bot.alerts.receive import AlertService
from bot.domain.affects import ComponentImpact
from bot.domain.alert_rules import Rules, read_rules
from bot.domain.alerts import Counts, Source, Triage
from bot.domain.catalog import ComponentState, read_catalog
from bot.domain.declared import title_from
from bot.domain.incident import EntryKind, Status
from bot.domain.insights import Spread
from bot.errors import NotFound, RuleRefused, UserError
from bot.intake.alertmanager import read_webhook
from bot.lookup import Where
from bot.outbox.kinds.show_triage import ShowTriage
from bot.render.export import as_data
from bot.render.lines import line
from bot.render.retro import markdown
from bot.sandbox import ManualClock
from bot.service import IncidentService
from bot.storage import alerts, triage
from bot.storage import catalog as stored_impacts
from bot.storage.db import Database
from bot.storage.effect_tables import EffectRow
from bot.storage.tables import IncidentRow
from bot.triage import AlertTriage
from tests.alert_samples import body
from tests.conftest import KOLKATA

NOW = datetime(2026, 12, 6, 19, 30, tzinfo=UTC)
TEAM = "T1"
STARTED = datetime(2026, 12, 6, 19, 26, 36, 275178, tzinfo=UTC)  # alertmanager_firing's startsAt


class World:
    def __init__(self, db: Database, rules: Rules | None = None, team: str | None = TEAM) -> None:
        self.db = db
        self.clock = ManualClock(NOW)
        self.incidents = IncidentService(db, zone=KOLKATA, clock=self.clock)
        self.triage = AlertTriage(db, self.incidents, zone=KOLKATA, clock=self.clock)
        self.team = team
        self.receiver = AlertService(
            db,
            rules=rules or Rules(),
            clock=self.clock,
            workspace=lambda: self.team,
            declare=self.triage.declare_by_rule,
        )

    def receive(self, name: str = "alertmanager_firing", **changes: Any) -> int:
        notification = read_webhook(body(name, **changes), source=Source.ALERTMANAGER, sender="prod-alertmanager")
        receipt = self.receiver.receive(notification)
        assert receipt.group_id is not None
        return receipt.group_id

    def group(self, group_id: int) -> alerts.StoredGroup:
        with self.db.read() as session:
            found = alerts.get_group(session=session, group_id=group_id)
        assert found is not None
        return found

    def count(self, table: Any, *where: Any) -> int:
        with self.db.read() as session:
            return int(session.execute(select(func.count()).select_from(table).where(*where)).scalar_one())

    def shown(self, group_id: int) -> int:
        """Triage work queued for the group (its own queue and behind an incident)."""
        return self.count(EffectRow, EffectRow.kind == ShowTriage.kind, EffectRow.alert_group_id == group_id)


@pytest.fixture
def world(any_db: Database) -> World:
    return World(any_db)


def test_a_new_group_queues_its_message_and_a_resend_queues_nothing(world: World) -> None:
    group_id = world.receive()
    assert world.shown(group_id) == 1
    world.receive()
    world.receive()
    assert world.shown(group_id) == 1


def test_declare_opens_the_incident_as_open_does_with_the_group_attached(world: World) -> None:
    group_id = world.receive()
    changed = world.triage.declare(team_id=TEAM, value=f"{group_id}:0", actor="U0ALICE")
    incident = changed.incident
    assert (incident.number, incident.title, incident.severity, incident.lead) == (
        1,
        "5xx rate above 5% on web",
        1,
        "U0ALICE",
    )
    assert incident.impact_started_at == STARTED and incident.opened_at == NOW
    group = world.group(group_id)
    assert (group.triage, group.decided_by, group.decided_at, group.triage_version) == (
        Triage.DECLARED,
        "U0ALICE",
        NOW,
        1,
    )
    entries = world.incidents.timeline(Where(TEAM, number=1)).entries
    assert [entry.kind for entry in entries] == [EntryKind.OPENED, EntryKind.ALERTS]
    assert world.shown(group_id) == 2  # its message, and once more after the incident's channel exists


def test_a_long_summary_becomes_a_title_cut_at_a_word_as_one_declared_from_a_message(world: World) -> None:
    summary = (
        "Checkout requests to the payments gateway in eu-west-1 fail with HTTP 503 for more than five "
        "percent of customers and the retry queue is about to overflow into the dead letter topic"
    )
    firing = body("alertmanager_firing")
    annotations = firing["commonAnnotations"] | {"summary": summary}
    alerts_sent = [alert | {"annotations": annotations} for alert in firing["alerts"]]
    group_id = world.receive(commonAnnotations=annotations, alerts=alerts_sent)
    incident = world.triage.declare(team_id=TEAM, value=f"{group_id}:0", actor="U0ALICE").incident
    assert incident.title.endswith("customers and the retry queue is about to…")  # not "about to ove…"
    assert incident.title == title_from(summary, {})
    assert world.incidents.get(Where(TEAM, number=1)).title == incident.title


def test_a_click_on_an_out_of_date_message_is_refused_and_nothing_is_stored(
    world: World, unchanged: Callable[..., Any]
) -> None:
    group_id = world.receive()
    world.triage.dismiss(team_id=TEAM, value=f"{group_id}:0", actor="U0BOB")
    with unchanged(world.db):
        with pytest.raises(RuleRefused, match="already dismissed by someone"):
            world.triage.declare(team_id=TEAM, value=f"{group_id}:0", actor="U0ALICE")
        with pytest.raises(NotFound):
            world.triage.dismiss(team_id="T2", value=f"{group_id}:1", actor="U0ALICE")  # another workspace's
        with pytest.raises(UserError, match="carries nothing I can read"):
            world.triage.add(team_id=TEAM, value=f"{group_id}:1", actor="U0ALICE")  # no incident chosen


def test_add_refuses_a_resolved_incident_and_a_private_one_of_others(
    world: World, unchanged: Callable[..., Any]
) -> None:
    world.incidents.open(team_id=TEAM, actor="U0ALICE", title="Checkout slow")
    world.incidents.close(Where(TEAM, number=1), actor="U0ALICE")
    world.incidents.open(team_id=TEAM, actor="U0ALICE", title="Breach", private=True)
    group_id = world.receive()
    with unchanged(world.db):
        with pytest.raises(RuleRefused, match="INC-1 is resolved"):
            world.triage.add(team_id=TEAM, value=f"{group_id}:0:1", actor="U0BOB")
        with pytest.raises(NotFound, match="INC-2 is private"):
            world.triage.add(team_id=TEAM, value=f"{group_id}:0:2", actor="U0BOB")
        with pytest.raises(NotFound, match="not in this workspace"):
            world.triage.add(team_id=TEAM, value=f"{group_id}:0:9", actor="U0BOB")
    added = world.triage.add(team_id=TEAM, value=f"{group_id}:0:2", actor="U0ALICE")
    assert added.number == 2 and world.group(group_id).triage is Triage.ATTACHED


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_db(request: pytest.FixtureRequest) -> Database:
    """A database several threads use at once: a SQLite file, or PostgreSQL."""
    db = request.getfixturevalue("sqlite_file_db" if request.param == "sqlite" else "pg_db")
    assert isinstance(db, Database)
    return db


def test_two_people_declaring_at_the_same_moment_open_one_incident(shared_db: Database) -> None:
    world = World(shared_db)
    group_id = world.receive()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def click(person: str) -> None:
        barrier.wait()
        try:
            world.triage.declare(team_id=TEAM, value=f"{group_id}:0", actor=person)
            outcomes.append("opened")
        except RuleRefused as refused:
            outcomes.append(refused.message)

    threads = [threading.Thread(target=click, args=(f"U{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("opened") == 1
    assert all("already declared as INC-1" in outcome for outcome in outcomes if outcome != "opened")
    assert world.count(IncidentRow) == 1


def test_a_rule_declares_at_once_opened_by_the_source(any_db: Database) -> None:
    world = World(any_db, read_rules('[[rule]]\nname = "web"\nmatch = [\'service="web"\']\naction = "declare"\n'))
    group_id = world.receive()
    incident = world.incidents.get(Where(TEAM, number=1))
    assert (incident.opened_by, incident.lead, incident.impact_started_at) == (
        "alerts:prod-alertmanager",
        "alerts:prod-alertmanager",
        STARTED,
    )
    assert world.group(group_id).triage is Triage.DECLARED
    world.receive()  # a resend declares nothing more
    assert world.triage.send_due(team_id=TEAM) == 0
    assert world.count(IncidentRow) == 1


def test_a_rule_with_after_declares_once_the_group_fired_that_long_if_it_still_fires(any_db: Database) -> None:
    world = World(any_db, read_rules('[[rule]]\nname = "slow"\naction = "declare"\nafter = "10m"\n'))
    group_id = world.receive()
    declared_at = STARTED + timedelta(minutes=10)
    assert world.triage.earliest(team_id=TEAM) == declared_at
    assert world.triage.send_due(team_id=TEAM) == 0
    world.clock.set(declared_at)
    assert world.triage.send_due(team_id=TEAM) == 1
    assert world.group(group_id).triage is Triage.DECLARED
    assert world.incidents.get(Where(TEAM, number=1)).status is Status.INVESTIGATING
    assert world.triage.earliest(team_id=TEAM) is None


def test_a_group_that_resolved_before_its_rule_s_time_is_left_to_people(any_db: Database) -> None:
    world = World(any_db, read_rules('[[rule]]\nname = "slow"\naction = "declare"\nafter = "10m"\n'))
    group_id = world.receive()
    world.receive("alertmanager_resolved")
    world.clock.set(STARTED + timedelta(minutes=11))
    assert world.triage.send_due(team_id=TEAM) == 0
    group = world.group(group_id)
    assert (group.triage, group.declare_at) == (Triage.OPEN, None)
    assert world.count(IncidentRow) == 0


def test_groups_received_before_the_workspace_was_known_are_shown_once_it_is(any_db: Database) -> None:
    world = World(any_db, team=None)
    group_id = world.receive()
    assert world.shown(group_id) == 0 and world.group(group_id).team_id is None
    world.triage.send_due(team_id=TEAM)
    assert world.group(group_id).team_id == TEAM and world.shown(group_id) == 1
    world.triage.send_due(team_id=TEAM)
    assert world.shown(group_id) == 1


# --- attached alerts in the incident -----------------------------------------------------------


def alert_lines(world: World) -> list[str]:
    entries = world.incidents.timeline(Where(TEAM, number=1)).entries
    return [line(entry, world.incidents.get(Where(TEAM, number=1)), NAMES, KOLKATA) for entry in entries]


NAMES = {"U0ALICE": "alice", "alerts:prod-alertmanager": "prod-alertmanager"}


def test_an_attached_group_s_changes_are_lines_on_the_incident_said_by_the_source(world: World) -> None:
    group_id = world.receive("alertmanager_max_alerts")  # two alerts firing
    world.triage.declare(team_id=TEAM, value=f"{group_id}:0", actor="U0ALICE")
    world.clock.advance(minutes=5)
    world.receive("alertmanager_max_alerts")  # a resend: nothing to say
    resolved = body("alertmanager_max_alerts")
    for alert in resolved["alerts"]:
        alert |= {"status": "resolved", "endsAt": "2026-12-06T19:33:00Z"}
    world.receiver.receive(read_webhook(resolved, source=Source.ALERTMANAGER, sender="prod-alertmanager"))
    lines = alert_lines(world)
    assert len(lines) == 3  # opened, attached, resolved
    assert lines[2] == (
        "`01:03 IST` *prod-alertmanager* :white_check_mark: PaymentsLatency resolved (2 of 2 resolved) · "
        "<http://127.0.0.1:19093|Source> _(recorded 01:05 IST)_"  # no generatorURL: the Alertmanager's page
    )
    with world.db.read() as session:
        counted = triage.incident_alerts(session=session, incident_id=1)
    assert counted == Counts(firing=0, resolved=2)


def test_the_retrospective_lists_the_alerts_attached_and_insights_measure_the_alert_lag(any_db: Database) -> None:
    world = World(any_db)
    world.clock.set(STARTED + timedelta(minutes=7))  # people declared it 7 minutes after it first fired
    group_id = world.receive()
    world.triage.declare(team_id=TEAM, value=f"{group_id}:0", actor="U0ALICE")
    world.receive("alertmanager_resolved")
    aftermath = AftermathService(any_db, zone=KOLKATA, clock=world.clock)
    record = aftermath.record(Where(TEAM, number=1))
    [alert] = record.alerts
    assert (alert.name, alert.source, alert.labels) == ("HighErrorRate", "prod-alertmanager", {})
    assert alert.first_fired_at == STARTED and alert.acknowledged_at is None
    assert alert.resolved_at == datetime(2026, 12, 6, 19, 26, 40, tzinfo=UTC)
    document = markdown(record)
    assert "## Alerts\n\n| alert | source | first fired | resolved | acknowledged |" in document
    assert (
        "| HighErrorRate | prod-alertmanager | 2026-12-07 00:56 IST (19:26 UTC) | 2026-12-07 00:56 IST (19:26 UTC) "
        "| no |" in document
    )
    exported = as_data(record)["alerts"]
    assert exported == [
        {
            "name": "HighErrorRate",
            "labels": {},
            "source": "prod-alertmanager",
            "first_fired_at": "2026-12-06T19:26:36.275178Z",
            "resolved_at": "2026-12-06T19:26:40Z",
            "acknowledged_at": None,
        }
    ]
    world.incidents.close(Where(TEAM, number=1), actor="U0ALICE")
    found = aftermath.insights(team_id=TEAM, since=STARTED - timedelta(days=1), until=STARTED + timedelta(days=1))
    lag = (world.clock() - STARTED).total_seconds()
    assert found.spreads["alert_lag"] == Spread(1, lag, lag)


# --- the catalog's components ------------------------------------------------------------------


def test_declared_alerts_affect_the_components_their_common_labels_match_major_for_sev1(any_db: Database) -> None:
    """The catalog's `alerts` matchers against the group's common labels (service="web",
    severity="critical": sev1, a major outage; "warning": sev3, a partial one), from when the
    earliest alert first fired; a component whose matchers do not all hold is left alone."""
    catalog = read_catalog(
        '[[component]]\nid = "home"\nname = "Home page"\n'
        "alerts = ['service=\"web\"', 'severity=~\"critical|warning\"']\n"
        '[[component]]\nid = "api"\nname = "Public API"\nalerts = [\'service="api"\']\n'
        '[[component]]\nid = "search"\nname = "Search"\n'
    )
    world = World(any_db)
    world.incidents = IncidentService(any_db, zone=KOLKATA, clock=world.clock, catalog=catalog)
    world.triage = AlertTriage(any_db, world.incidents, zone=KOLKATA, clock=world.clock)
    critical = world.receive()
    world.triage.declare(team_id=TEAM, value=f"{critical}:0", actor="U0ALICE")
    warning = dict(body("alertmanager_firing")["commonLabels"], severity="warning")
    lesser = world.receive(groupKey='{}:{alertname="Slow"}', commonLabels=warning)
    world.triage.declare(team_id=TEAM, value=f"{lesser}:0", actor="U0ALICE")
    with any_db.read() as session:
        found = [stored_impacts.impacts(session=session, incident_id=number) for number in (1, 2)]
    assert found == [
        [ComponentImpact("home", ComponentState.MAJOR, STARTED)],
        [ComponentImpact("home", ComponentState.PARTIAL, STARTED)],
    ]
