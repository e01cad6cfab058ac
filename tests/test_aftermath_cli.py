"""`incident-bot export` and `incident-bot report`, through the console entry point, on both backends:
what an operator reads, and a clear refusal with the right exit status for every bad input."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from freezegun import freeze_time

from bot.domain.incident import Status
from bot.lookup import Where
from bot.service import IncidentService
from bot.storage.db import Database
from tests.conftest import KOLKATA, database_state

SCHEMA = json.loads((Path(__file__).parents[1] / "docs" / "export.schema.json").read_text())


@pytest.fixture
def cli(run_cli: Callable[..., int]) -> Callable[..., int]:
    return lambda *argv: run_cli(*argv)


@pytest.fixture
def stories(db: Database) -> None:
    """Feb 11 (1h 2m, sev2) and Feb 17 (1h 58m, sev1, backdated 9 minutes) of 2022."""
    service = IncidentService(db, zone=KOLKATA)
    with freeze_time("2022-02-11 14:05:00+05:30") as clock:
        service.open(team_id="T1", actor="U1", title="Something went wrong on home page", severity=2)
        clock.move_to("2022-02-11 14:30:00+05:30")
        service.set_status(Where(team_id="T1", number=1), actor="U1", status=Status.IDENTIFIED)
        clock.move_to("2022-02-11 15:07:00+05:30")
        service.close(Where(team_id="T1", number=1), actor="U1")
    with freeze_time("2022-02-17 21:50:00+05:30") as clock:
        service.open(team_id="T1", actor="U1", title="Something went wrong on the home page", severity=1, at="21:41")
        clock.move_to("2022-02-17 22:06:00+05:30")
        service.set_status(Where(team_id="T1", number=2), actor="U1", status=Status.IDENTIFIED)
        clock.move_to("2022-02-17 23:10:00+05:30")
        service.set_status(Where(team_id="T1", number=2), actor="U1", status=Status.MONITORING)
        clock.move_to("2022-02-17 23:39:00+05:30")
        service.close(Where(team_id="T1", number=2), actor="U1")


@pytest.mark.usefixtures("stories")
def test_export_prints_the_record_as_markdown_and_as_schema_valid_json(
    cli: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("export", "INC-2") == 0
    document = capsys.readouterr().out
    assert document.startswith("# INC-2: Something went wrong on the home page\n")
    assert "- Detection lag: 9m" in document
    assert "- INC-1 Something went wrong on home page (2022-02-11, 1h 2m)" in document
    assert cli("export", "inc-2", "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert data["durations"]["total_seconds"] == 118 * 60
    assert data["impact_started_at"] == "2022-02-17T16:11:00Z"


@pytest.mark.usefixtures("stories")
def test_report_computes_the_insights_of_the_two_stories_in_every_format(
    cli: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    # by hand: identify 25m (INC-1), 25m (INC-2) -> median 25m, p90 25m; totals 1h 2m and 1h 58m
    # -> median (rank 1) 1h 2m, p90 (rank 2) 1h 58m; one detection lag of 9m; one related group
    assert cli("report", "--since", "2022-02-01", "--until", "2022-03-01", "--format", "csv") == 0
    table = {row["metric"]: row["value"] for row in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert table["incidents"] == "2" and table["sev1 incidents"] == "1" and table["sev2 incidents"] == "1"
    assert float(table["time to identify: median"]) == 25 * 60
    assert float(table["total duration: median"]) == 62 * 60
    assert float(table["total duration: p90"]) == 118 * 60
    assert float(table["detection lag: p90"]) == 9 * 60
    assert cli("report", "--since", "2022-02-01", "--until", "2022-03-01", "--format", "json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["repeat_offenders"] == [["INC-1", "INC-2"]]
    assert cli("report", "--since", "2022-02-01", "--until", "2022-03-01") == 0
    assert "| total duration: p90 | 1h 58m |" in capsys.readouterr().out
    # the window is by impact start in INCIDENT_TIMEZONE: Feb 17 only holds INC-2
    assert cli("report", "--since", "2022-02-17", "--until", "2022-02-18", "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["incidents_by_severity"]["sev1"] == 1


@pytest.mark.usefixtures("stories")
@pytest.mark.parametrize(
    ("argv", "status", "said"),
    [
        (("export", "INC-9"), 1, "There is no INC-9"),
        (("export", "INC-2", "--team", "T9"), 1, "no workspace 'T9'"),
        (("report", "--since", "2022-03-01", "--until", "2022-02-01"), 2, "--until must come after --since"),
    ],
)
def test_bad_requests_are_refused_with_a_reason_and_change_nothing(
    cli: Callable[..., int],
    db: Database,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    status: int,
    said: str,
) -> None:
    before = database_state(db)
    assert cli(*argv) == status
    assert said in capsys.readouterr().err
    assert database_state(db) == before


@pytest.mark.parametrize(
    ("argv", "said"),
    [(("export", "seven"), "not an incident name"), (("report", "--since", "last week"), "not a date")],
)
def test_unreadable_arguments_are_refused_by_the_parser(
    cli: Callable[..., int], capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], said: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli(*argv)
    assert stopped.value.code == 2
    assert said in capsys.readouterr().err


def test_an_empty_database_has_nothing_to_export_like_an_unknown_incident(
    cli: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("export", "INC-1") == 1  # the same status as "There is no INC-9": nothing there
    assert capsys.readouterr().err == "incident-bot export: this database holds no incidents yet\n"


@pytest.mark.parametrize(
    ("output", "zeros"),
    [
        ("md", ["| incidents | 0 |", "| sev1 incidents | 0 |", "| public updates promised | 0 |"]),
        ("csv", ["incidents,0,count", "time to identify: median,,seconds"]),
        ("json", ['"sev1": 0', '"promised": 0', '"repeat_offenders": []']),
    ],
)
def test_report_on_an_empty_database_prints_zeros(
    cli: Callable[..., int], db: Database, capsys: pytest.CaptureFixture[str], output: str, zeros: list[str]
) -> None:
    before = database_state(db)
    assert cli("report", "--since", "2022-02-01", "--format", output) == 0
    printed = capsys.readouterr()
    assert printed.err == ""
    for zero in zeros:
        assert zero in printed.out
    assert database_state(db) == before
