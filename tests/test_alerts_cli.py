"""`incident-bot alerts` through the console entry point, on SQLite and PostgreSQL: the groups of
alerts waiting for a decision, and with `--all` what became of the others."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot.alerts.receive import AlertService
from bot.domain.alert_rules import read_rules
from bot.domain.alerts import Source
from bot.intake.alertmanager import read_webhook
from bot.intake.events import read_event
from bot.service import IncidentService
from bot.storage.db import Database
from bot.triage import AlertTriage
from tests.alert_samples import body, event
from tests.conftest import KOLKATA

RULES = '[[rule]]\nname = "disk"\nmatch = [\'alertname="DiskFull"\']\naction = "declare"\nafter = "1h"\n'


@pytest.fixture
def cli(run_cli: Callable[..., int]) -> Callable[..., int]:
    return lambda *argv: run_cli("alerts", *argv)


def receive(db: Database) -> AlertTriage:
    now = datetime.now(UTC)
    incidents = IncidentService(db, zone=KOLKATA, clock=lambda: now)
    triage = AlertTriage(db, incidents, zone=KOLKATA, clock=lambda: now)
    receiver = AlertService(db, rules=read_rules(RULES), clock=lambda: now, workspace=lambda: "T1")
    for name in ("alertmanager_firing", "alertmanager_amtool"):
        receiver.receive(read_webhook(body(name), source=Source.ALERTMANAGER, sender="prod-alertmanager"))
    receiver.receive(read_event(event("pagerduty_trigger_openapi"), sender="Events API", new_key=str).notification)
    return triage


def test_an_empty_database_has_nothing_waiting(cli: Callable[..., int], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli() == 0
    assert capsys.readouterr().out == "No group of alerts waits for a decision.\n"


def test_the_groups_waiting_are_listed_with_their_alerts_and_what_a_rule_will_do(
    db: Database, cli: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    triage = receive(db)
    triage.dismiss(team_id="T1", value="3:0", actor="U0ALICE")
    assert cli() == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == [
        "GROUP", "SOURCE", "SEV", "FIRING", "RESOLVED", "FIRST", "SEEN", "LAST", "SEEN", "STATE", "SUMMARY",
    ]  # fmt: skip
    [web] = [row for row in out if "5xx rate above 5% on web" in row]
    assert web.split()[:5] == ["1", "prod-alertmanager", "sev1", "1", "0"]
    assert "waiting (message not posted yet)" in web
    [disk] = [row for row in out if "Disk 95% full on db-1" in row]
    assert "waiting (a rule declares now)" in disk  # an hour after it first fired, long gone
    assert not any("DISK at 99%" in row for row in out)  # dismissed: decided, not waiting
    assert out[-1] == "2 waiting for a decision, 0 decided."
    assert cli("--all") == 0
    everything = capsys.readouterr().out
    assert "dismissed" in everything and "3 waiting" not in everything
    assert everything.splitlines()[-1] == "2 waiting for a decision, 1 decided."


def test_a_declared_group_names_its_incident(
    db: Database, cli: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    triage = receive(db)
    triage.declare(team_id="T1", value="1:0", actor="U0ALICE")
    assert cli("--all") == 0
    [web] = [row for row in capsys.readouterr().out.splitlines() if "5xx rate" in row]
    assert "declared INC-1" in web
