"""Every deadline rule through the services, with a frozen clock, on SQLite and PostgreSQL
(docs/behaviour.md, Update promises and reminders): the 2022-02-17 story, sev1 every 30 minutes."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time
from sqlalchemy import text

from bot.clock import utc_now
from bot.config import Settings, parse_reminders
from bot.domain.incident import EntryKind, Status
from bot.domain.reminders import Schedule
from bot.drafts import DraftService
from bot.errors import RuleRefused
from bot.lookup import Where
from bot.reminders import ReminderService
from bot.service import IncidentService
from bot.storage import reminders, repository
from bot.storage.db import Database

IST = ZoneInfo("Asia/Kolkata")
INC_1 = Where(team_id="T1", number=1)
ALICE, BOB = "U0ALICE", "U0BOB"


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2022, 2, 17, hour, minute, second, tzinfo=IST)


class Story:
    """The incident, drafts and reminder services on one database, the clock frozen by the test."""

    def __init__(self, db: Database, cadences: str = "sev1=30m,sev2=60m,sev3=off,sev4=off") -> None:
        self.db = db
        parsed = parse_reminders(cadences)
        settings = Settings(zone=IST, status_channel="C0STATUS", public_name="Chirper", reminders=parsed)
        self.incidents = IncidentService(db, zone=IST, clock=utc_now, cadences=parsed)
        self.drafts = DraftService(db, settings, clock=utc_now)
        self.reminders = ReminderService(db, zone=IST, clock=utc_now, cadences=parsed)

    def open(self, severity: int = 1) -> None:
        self.incidents.open(team_id="T1", actor=ALICE, title="Something went wrong on the home page", severity=severity)

    def schedule(self) -> Schedule:
        return self.stored().schedule

    def version(self) -> int:
        return self.stored().reminder_version

    def stored(self) -> Any:
        with self.db.read() as session:
            return repository.get_by_number(session=session, team_id="T1", number=1)

    def publish(self) -> str:
        """Draft in English (short) and publish it; returns its text."""
        drafted = self.drafts.draft(INC_1, actor=ALICE, language="en", length="short")
        published = self.drafts.publish(drafted.drafts[0].id, actor=ALICE)
        return published.text

    def sent(self) -> list[dict[str, Any]]:
        """The reminders queued for Slack, oldest first."""
        with self.db.engine.connect() as connection:
            rows = connection.execute(text("SELECT payload FROM effect WHERE kind = 'reminder.post' ORDER BY id"))
            return [json.loads(row[0]) for row in rows]

    def lines(self, *kinds: EntryKind) -> list[str]:
        entries = self.incidents.timeline(INC_1).entries
        return [entry.text for entry in entries if entry.kind in kinds]


@pytest.fixture
def story(any_db: Database) -> Story:
    return Story(any_db)


def test_opening_makes_the_first_update_due_one_cadence_later(story: Story) -> None:
    with freeze_time(at(21, 41)):
        story.open()
    assert story.schedule() == Schedule(due=at(22, 15), since=at(21, 41), remind_at=at(22, 15), sent=0)


def test_a_status_change_resets_the_deadline(story: Story) -> None:
    with freeze_time(at(21, 41)) as clock:
        story.open()
        clock.move_to(at(22, 6))
        story.incidents.set_status(INC_1, actor=BOB, status=Status.IDENTIFIED)
    assert story.schedule().due == at(22, 40)


def test_an_update_without_a_status_change_leaves_the_deadline(story: Story) -> None:
    with freeze_time(at(21, 41)) as clock:
        story.open()
        clock.move_to(at(22, 6))
        story.incidents.set_status(INC_1, actor=BOB, status=Status.INVESTIGATING, message="still looking")
        story.incidents.note(INC_1, actor=BOB, text="a note")
    assert story.schedule().due == at(22, 15)


def test_a_draft_promises_the_deadline_its_publication_sets_and_publishing_stores_exactly_that(story: Story) -> None:
    with freeze_time(at(21, 41)) as clock:
        story.open()
        clock.move_to(at(21, 47))
        published = story.publish()
    assert "22:20 IST" in published
    assert story.schedule() == Schedule(due=at(22, 20), since=at(21, 47), remind_at=at(22, 20), sent=0)
    with story.db.read() as session:
        made = reminders.promises(session=session, incident_id=story.stored().id)
    assert [(p.promised_by, p.made_at, p.settled_at) for p in made] == [(at(22, 20), at(21, 47), None)]


def test_a_status_change_never_moves_the_deadline_past_a_public_promise(story: Story) -> None:
    with freeze_time(at(21, 41)) as clock:
        story.open()
        clock.move_to(at(21, 47))
        story.publish()
        clock.move_to(at(22, 6))
        story.incidents.set_status(INC_1, actor=BOB, status=Status.IDENTIFIED)
    assert story.schedule().due == at(22, 20)


def test_the_next_update_records_whether_the_promise_was_kept_or_how_late_it_came(story: Story) -> None:
    with freeze_time(at(21, 41)) as clock:
        story.open()
        clock.move_to(at(21, 47))
        story.publish()  # promises 22:20
        clock.move_to(at(22, 25))
        story.publish()  # 5 minutes late, promises 22:55
        clock.move_to(at(22, 50))
        story.publish()  # kept, promises 23:20
    promised = [line.split(" ") for line in story.lines(EntryKind.PROMISE)]
    assert [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in promised] == [
        (at(22, 20), at(22, 25)),
        (at(22, 55), at(22, 50)),
    ]
    with story.db.read() as session:
        made = reminders.promises(session=session, incident_id=story.stored().id)
    assert [(p.kept, p.late) for p in made] == [(False, timedelta(minutes=5)), (True, timedelta(0)), (False, None)]


def test_a_draft_whose_promise_has_passed_cannot_be_published_and_nothing_is_stored(
    story: Story, unchanged: Any
) -> None:
    with freeze_time(at(21, 41)) as clock:
        story.open()
        clock.move_to(at(21, 47))
        drafted = story.drafts.draft(INC_1, actor=ALICE, language="en", length="short")
        clock.move_to(at(22, 21))
        with unchanged(story.db), pytest.raises(RuleRefused, match="promises the next update by 22:20 IST, which has"):
            story.drafts.publish(drafted.drafts[0].id, actor=ALICE)


def test_a_severity_change_counts_the_new_cadence_from_the_last_reset(story: Story) -> None:
    with freeze_time(at(21, 41)) as clock:
        story.open(severity=2)
        assert story.schedule().due == at(22, 45)
        clock.move_to(at(21, 50))
        story.incidents.set_severity(INC_1, actor=BOB, severity=1)
        assert story.schedule().due == at(22, 15)
        story.incidents.set_severity(INC_1, actor=BOB, severity=3)
        assert story.schedule() == Schedule()


def test_off_severities_have_no_deadline_and_are_never_reminded(story: Story) -> None:
    with freeze_time(at(21, 41)) as clock:
        story.open(severity=3)
        clock.move_to(at(23, 59))
        assert story.reminders.send_due(team_id="T1") == 0
    assert story.schedule() == Schedule()
    assert story.sent() == []


def test_a_nudge_at_the_deadline_then_one_escalation_a_cadence_later_then_silence(story: Story) -> None:
    with freeze_time(at(21, 41)) as clock:
        story.open()
        clock.move_to(at(22, 14, 59))
        assert story.reminders.send_due(team_id="T1") == 0
        clock.move_to(at(22, 15))
        assert story.reminders.send_due(team_id="T1") == 1
        assert story.reminders.send_due(team_id="T1") == 0  # once per deadline
        clock.move_to(at(22, 45))
        assert story.reminders.send_due(team_id="T1") == 1
        clock.move_to(at(23, 59))
        assert story.reminders.send_due(team_id="T1") == 0
    assert [(r["reminder"], r["due"], r["late_seconds"]) for r in story.sent()] == [
        ("nudge", at(22, 15).astimezone(UTC).isoformat(), 0.0),
        ("escalation", at(22, 15).astimezone(UTC).isoformat(), 0.0),
    ]


def test_a_published_update_or_status_change_before_the_deadline_means_no_nudge(story: Story) -> None:
    with freeze_time(at(21, 41)) as clock:
        story.open()
        clock.move_to(at(22, 10))
        story.incidents.set_status(INC_1, actor=BOB, status=Status.IDENTIFIED)
        clock.move_to(at(22, 16))
        assert story.reminders.send_due(team_id="T1") == 0


def test_after_a_long_downtime_only_one_reminder_is_sent_saying_how_late(story: Story) -> None:
    with freeze_time(at(21, 41)) as clock:
        story.open()
        clock.move_to(at(23, 40))  # the bot was away from before 22:15 until now
        assert story.reminders.send_due(team_id="T1") == 1
        assert story.reminders.send_due(team_id="T1") == 0
        clock.move_to(at(23, 59))
        assert story.reminders.send_due(team_id="T1") == 0
    [reminder] = story.sent()
    assert (reminder["reminder"], reminder["late_seconds"]) == ("escalation", timedelta(minutes=85).total_seconds())


def test_a_snooze_moves_the_next_reminder_and_says_so_on_the_timeline(story: Story) -> None:
    with freeze_time(at(21, 41)) as clock:
        story.open()
        clock.move_to(at(22, 15))
        story.reminders.send_due(team_id="T1")
        version = story.version()
        clock.move_to(at(22, 16))
        story.reminders.snooze(INC_1, actor=BOB, version=version, length=timedelta(minutes=15))
        assert story.schedule() == Schedule(due=at(22, 15), since=at(21, 41), remind_at=at(22, 31), sent=0)
        clock.move_to(at(22, 30))
        assert story.reminders.send_due(team_id="T1") == 0
        clock.move_to(at(22, 31))
        assert story.reminders.send_due(team_id="T1") == 1
    assert story.lines(EntryKind.SNOOZED) == [f"900 {at(22, 31).astimezone(UTC).isoformat()}"]
    assert [r["reminder"] for r in story.sent()] == ["nudge", "nudge"]


def test_a_reminder_answered_twice_changes_nothing_the_second_time_and_says_so(story: Story, unchanged: Any) -> None:
    with freeze_time(at(21, 41)) as clock:
        story.open()
        clock.move_to(at(22, 15))
        story.reminders.send_due(team_id="T1")
        version = story.version()
        story.reminders.snooze(INC_1, actor=BOB, version=version, length=timedelta(minutes=30))
        snoozed = r"was snoozed by .* at 22:15 IST.*next reminder at 22:45 IST"
        with unchanged(story.db), pytest.raises(RuleRefused, match=snoozed):
            story.reminders.snooze(INC_1, actor=BOB, version=version, length=timedelta(minutes=30))
        with unchanged(story.db), pytest.raises(RuleRefused, match="was snoozed by"):
            story.reminders.no_update_needed(INC_1, actor=BOB, version=version)


def test_no_update_needed_resets_the_deadline_and_says_so_on_the_timeline(story: Story) -> None:
    with freeze_time(at(21, 41)) as clock:
        story.open()
        clock.move_to(at(22, 15))
        story.reminders.send_due(team_id="T1")
        clock.move_to(at(22, 21))
        story.reminders.no_update_needed(INC_1, actor=BOB, version=story.version())
    assert story.schedule() == Schedule(due=at(22, 55), since=at(22, 21), remind_at=at(22, 55), sent=0)
    assert story.lines(EntryKind.NO_UPDATE) == [at(22, 55).astimezone(UTC).isoformat()]


def test_resolved_incidents_are_never_reminded_and_reopening_restores_the_schedule(story: Story) -> None:
    with freeze_time(at(21, 41)) as clock:
        story.open()
        clock.move_to(at(22, 0))
        story.incidents.close(INC_1, actor=ALICE)
        assert story.schedule() == Schedule()
        clock.move_to(at(23, 0))
        assert story.reminders.send_due(team_id="T1") == 0
        story.incidents.reopen(INC_1, actor=ALICE, reason="it is back")
        assert story.schedule().due == at(23, 30)
        clock.move_to(at(23, 30))
        assert story.reminders.send_due(team_id="T1") == 1


def test_a_snooze_on_a_resolved_incident_is_refused_and_nothing_is_stored(story: Story, unchanged: Any) -> None:
    with freeze_time(at(21, 41)) as clock:
        story.open()
        clock.move_to(at(22, 15))
        story.reminders.send_due(team_id="T1")
        version = story.version()
        story.incidents.close(INC_1, actor=ALICE)
        with unchanged(story.db), pytest.raises(RuleRefused, match="INC-1 is resolved: no public update is due"):
            story.reminders.snooze(INC_1, actor=BOB, version=version, length=timedelta(minutes=15))


def test_many_schedulers_at_once_send_each_reminder_once(database_url: str) -> None:
    """Four processes' worth of schedulers (an engine each) look at the same due reminder at once."""
    engines = [Database(database_url) for _ in range(4)]
    engines[0].upgrade()
    stories = [Story(db) for db in engines]
    with freeze_time(at(21, 41)) as clock:
        stories[0].open()
        clock.move_to(at(22, 16))
        barrier = threading.Barrier(len(stories))
        counts: list[int] = []

        def round_of(story: Story) -> None:
            barrier.wait()
            counts.append(story.reminders.send_due(team_id="T1"))

        threads = [threading.Thread(target=round_of, args=(story,)) for story in stories]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    try:
        assert sorted(counts) == [0, 0, 0, 1]
        assert [r["reminder"] for r in stories[0].sent()] == ["nudge"]
    finally:
        for db in engines:
            db.dispose()


def test_the_scheduler_reminds_only_the_workspace_it_serves(any_db: Database) -> None:
    """One database, two workspaces: another workspace's overdue incident is neither claimed nor reminded."""
    story = Story(any_db)
    with freeze_time(at(21, 41)) as clock:
        story.open()
        story.incidents.open(team_id="T2", actor=ALICE, title="Their home page fails", severity=1)
        clock.move_to(at(22, 12))
        assert story.reminders.earliest(team_id="T1") == at(22, 15).astimezone(UTC)
        assert story.reminders.send_due(team_id="T1") == 0
        clock.move_to(at(22, 16))
        assert story.reminders.send_due(team_id="T1") == 1
        with any_db.read() as session:
            theirs = repository.get_by_number(session=session, team_id="T2", number=1)
        assert theirs is not None and theirs.schedule.sent == 0, "T2's reminder was left to T2's process"
        assert story.reminders.send_due(team_id="T2") == 1
        assert len(story.sent()) == 2
