"""The real outages in docs/behaviour.md (Who uses it), replayed through the service with a frozen clock."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from freezegun import freeze_time

from bot.domain.durations import short
from bot.domain.incident import Status
from bot.domain.language import public_duration
from bot.lookup import Where
from bot.service import IncidentService
from bot.storage.db import Database

INC_1 = Where(team_id="T1", number=1)


def test_the_2022_02_17_outage_reports_1h_58m_with_25m_to_identify_and_1h_29m_to_mitigate(
    service: IncidentService,
) -> None:
    with freeze_time("2022-02-17 21:41:00+05:30") as clock:
        service.open(team_id="T1", actor="U1", title="Something went wrong on the home page", severity=1)
        clock.move_to("2022-02-17 22:06:00+05:30")
        service.set_status(INC_1, actor="U1", status=Status.IDENTIFIED)
        clock.move_to("2022-02-17 23:10:00+05:30")
        service.set_status(INC_1, actor="U1", status=Status.MONITORING)
        clock.move_to("2022-02-17 23:39:00+05:30")
        closed = service.close(INC_1, actor="U1")

    durations = closed.durations
    assert durations is not None
    assert short(durations.total) == "1h 58m"
    assert short(durations.to_identify or timedelta()) == "25m"
    assert short(durations.to_mitigate or timedelta()) == "1h 29m"
    assert {status: short(spent) for status, spent in durations.in_status.items() if spent} == {
        Status.INVESTIGATING: "25m",
        Status.IDENTIFIED: "1h 4m",
        Status.MONITORING: "29m",
    }
    assert durations.detection_lag is None


def test_the_2020_10_15_outage_crosses_midnight_in_paris_and_reads_almost_two_hours(any_db: Database) -> None:
    service = IncidentService(any_db, zone=ZoneInfo("Europe/Paris"))
    with freeze_time("2020-10-15 22:30:00+02:00") as clock:
        service.open(team_id="T1", actor="U1", title="Worldwide outage", severity=1)
        clock.move_to("2020-10-16 00:25:00+02:00")
        closed = service.close(INC_1, actor="U1", summary="Service restored for everyone")

    assert closed.durations is not None
    assert short(closed.durations.total) == "1h 55m"
    assert public_duration(closed.durations.total, "en") == "for almost two hours"
    assert public_duration(closed.durations.total, "fr") == "pendant près de deux heures"


def test_a_backdated_open_reports_the_detection_lag(service: IncidentService) -> None:
    with freeze_time("2022-02-17 21:50:00+05:30") as clock:
        opened = service.open(team_id="T1", actor="U1", title="Something went wrong", at="21:41")
        clock.move_to("2022-02-17 23:39:00+05:30")
        closed = service.close(INC_1, actor="U1")

    assert opened.incident.impact_started_at.isoformat() == "2022-02-17T16:11:00+00:00"
    assert closed.durations is not None
    assert short(closed.durations.total) == "1h 58m"
    assert closed.durations.detection_lag == timedelta(minutes=9)


def test_a_reopened_incident_counts_only_the_time_it_was_not_resolved(service: IncidentService) -> None:
    with freeze_time("2022-02-11 10:00:00+00:00") as clock:
        service.open(team_id="T1", actor="U1", title="Login fails")
        clock.move_to("2022-02-11 10:40:00+00:00")
        service.close(INC_1, actor="U1")
        clock.move_to("2022-02-11 12:00:00+00:00")
        service.reopen(INC_1, actor="U1", reason="the fix did not hold")
        clock.move_to("2022-02-11 12:20:00+00:00")
        closed = service.close(INC_1, actor="U1")

    assert closed.durations is not None
    assert closed.durations.total == timedelta(hours=1)
    assert closed.durations.in_status[Status.RESOLVED] == timedelta(hours=1, minutes=20)


def test_durations_stored_at_close_are_what_was_reported(any_db: Database) -> None:
    from sqlmodel import select

    from bot.storage.tables import IncidentRow

    service = IncidentService(any_db, zone=ZoneInfo("UTC"))
    with freeze_time("2022-02-17 16:11:00+00:00") as clock:
        service.open(team_id="T1", actor="U1", title="Down")
        clock.move_to("2022-02-17 16:36:00+00:00")
        service.set_status(INC_1, actor="U1", status=Status.IDENTIFIED)
        clock.move_to("2022-02-17 18:09:00+00:00")
        service.close(INC_1, actor="U1")
    with any_db.read() as session:
        row = session.exec(select(IncidentRow)).one()
    assert (row.total_seconds, row.identify_seconds, row.mitigate_seconds) == (7080.0, 1500.0, 7080.0)
