"""Insights in SQL: medians and p90s checked against tables computed by hand, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from freezegun import freeze_time

from bot.domain.incident import Status
from bot.domain.insights import PromiseCounts, Spread
from bot.lookup import Where
from bot.service import IncidentService
from bot.storage import insights
from bot.storage.db import Database

SINCE = datetime(2022, 2, 1, tzinfo=UTC)
UNTIL = datetime(2022, 3, 1, tzinfo=UTC)


def _incident(
    service: IncidentService, number: int, day: int, *, identify: int, mitigate: int, total: int, sev: int
) -> None:
    """Open on 2022-02-<day> 10:00 UTC; identified, monitoring and resolved that many minutes later."""
    where = Where(team_id="T1", number=number)
    start = datetime(2022, 2, day, 10, 0, tzinfo=UTC)
    with freeze_time(start) as clock:
        service.open(team_id="T1", actor="U1", title=f"Incident {number}", severity=sev)
        clock.move_to(start + timedelta(minutes=identify))
        service.set_status(where, actor="U1", status=Status.IDENTIFIED)
        clock.move_to(start + timedelta(minutes=mitigate))
        service.set_status(where, actor="U1", status=Status.MONITORING)
        clock.move_to(start + timedelta(minutes=total))
        service.close(where, actor="U1")


def _spread(db: Database, measure: str) -> Spread:
    with db.read() as session:
        return insights.spread(session=session, team_id="T1", since=SINCE, until=UNTIL, measure=measure)


def test_median_and_p90_are_nearest_rank_over_resolved_incidents(any_db: Database) -> None:
    service = IncidentService(any_db, zone=ZoneInfo("UTC"))
    # identify / mitigate / total in minutes, by hand:
    #   sorted totals 30, 45, 60, 90, 120 -> median rank ceil(2.5)=3 -> 60; p90 rank ceil(4.5)=5 -> 120
    table = [(5, 20, 60, 1), (10, 25, 30, 2), (15, 40, 120, 1), (20, 30, 45, 3), (25, 60, 90, 2)]
    for number, (identify, mitigate, total, sev) in enumerate(table, start=1):
        _incident(service, number, 2 + number, identify=identify, mitigate=mitigate, total=total, sev=sev)

    assert _spread(any_db, "total") == Spread(5, 60 * 60.0, 120 * 60.0)
    assert _spread(any_db, "identify") == Spread(5, 15 * 60.0, 25 * 60.0)
    assert _spread(any_db, "mitigate") == Spread(5, 30 * 60.0, 60 * 60.0)
    assert _spread(any_db, "detection_lag") == Spread(0, None, None)
    with any_db.read() as session:
        assert insights.by_severity(session=session, team_id="T1", since=SINCE, until=UNTIL) == {1: 2, 2: 2, 3: 1}


def test_a_reopened_incident_counts_only_once_resolved_again(any_db: Database) -> None:
    service = IncidentService(any_db, zone=ZoneInfo("UTC"))
    _incident(service, 1, 3, identify=10, mitigate=20, total=30, sev=2)
    with freeze_time(datetime(2022, 2, 3, 11, 0, tzinfo=UTC)):
        service.reopen(Where(team_id="T1", number=1), actor="U1")
    assert _spread(any_db, "total").count == 0
    with freeze_time(datetime(2022, 2, 3, 11, 30, tzinfo=UTC)):
        service.close(Where(team_id="T1", number=1), actor="U1")
    # open 10:00-10:30, resolved 10:30-11:00, open again 11:00-11:30: an hour of impact, not 1h 30m
    assert _spread(any_db, "total") == Spread(1, 60 * 60.0, 60 * 60.0)


def test_the_window_is_by_impact_start_and_per_workspace(any_db: Database) -> None:
    service = IncidentService(any_db, zone=ZoneInfo("UTC"))
    _incident(service, 1, 3, identify=10, mitigate=20, total=30, sev=2)
    with freeze_time(datetime(2022, 3, 1, 0, 0, tzinfo=UTC)):
        service.open(team_id="T1", actor="U1", title="March", severity=1)
        service.open(team_id="T2", actor="U1", title="Other workspace", severity=1)
    with any_db.read() as session:
        assert insights.by_severity(session=session, team_id="T1", since=SINCE, until=UNTIL) == {2: 1}


def test_public_update_promises_are_counted_kept_late_and_missed(any_db: Database) -> None:
    """The demo's promises by hand: 21:47 promises 22:20 (the 22:25 update: kept late), 22:25 promises
    22:55 (the 22:50 update: kept), 22:50 promises 23:20 (no update since: missed by 23:30)."""
    from bot.clock import utc_now
    from bot.config import Settings, parse_reminders
    from bot.drafts import DraftService

    ist = ZoneInfo("Asia/Kolkata")
    cadences = parse_reminders("sev1=30m,sev2=60m,sev3=off,sev4=off")
    settings = Settings(zone=ist, status_channel="C0STATUS", public_name="Chirper", reminders=cadences)
    service = IncidentService(any_db, zone=ist, clock=utc_now, cadences=cadences)
    drafts = DraftService(any_db, settings, clock=utc_now)
    where = Where(team_id="T1", number=1)

    def publish() -> None:
        drafted = drafts.draft(where, actor="U1", language="en", length="short")
        drafts.publish(drafted.drafts[0].id, actor="U1")

    with freeze_time("2022-02-17 21:41:00+05:30") as clock:
        service.open(team_id="T1", actor="U1", title="Something went wrong on the home page", severity=1)
        for moment in ("21:47", "22:25", "22:50"):
            clock.move_to(f"2022-02-17 {moment}:00+05:30")
            publish()
        clock.move_to("2022-02-17 23:30:00+05:30")
        with any_db.read() as session:
            counted = insights.promises(session=session, team_id="T1", since=SINCE, until=datetime.now(UTC))
    assert counted == PromiseCounts(promised=3, kept=1, kept_late=1, missed=1)
