"""A group's triage messages in the outbox (on SQLite and PostgreSQL): each group's work is one
queue (posted before edited, never twice), a change while an edit waits queues nothing more, a
later edit supersedes a waiting one, and every triage message keeps the alert channel's pace
without holding an incident's work back."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from bot.alerts import message
from bot.outbox import channel_pace, claims, store, worth
from bot.outbox.kinds.post_timeline import PostTimeline
from bot.outbox.kinds.show_triage import ShowTriage
from bot.outbox.sender import EffectSender
from bot.sandbox import ManualClock
from bot.service import IncidentService
from bot.storage import alerts
from bot.storage.db import Database
from bot.storage.effect_tables import EffectRow
from bot.storage.tables import AlertGroupRow
from tests.conftest import KOLKATA
from tests.outbox.fake_delivery import FakeSlack

NOW = datetime(2026, 12, 6, 19, 27, tzinfo=UTC)
TEAM = "T1"


def show(db: Database, group_id: int, *, now: datetime = NOW) -> bool:
    with db.write() as session:
        return message.show(session, group_id=group_id, team_id=TEAM, now=now)


def due_kinds(db: Database, now: datetime = NOW) -> list[tuple[str, int | None]]:
    with db.read() as session:
        due = claims.claimable(session=session, team_id=TEAM, now=now)
    with db.read() as session:
        rows = {row.id: row for row in session.exec(select(EffectRow))}
    return [(d.kind, rows[d.id].alert_group_id) for d in due]


def test_a_change_while_an_edit_waits_unclaimed_queues_nothing_more(any_db: Database) -> None:
    assert show(any_db, 1)
    assert not show(any_db, 1)  # the waiting edit will show this change too
    assert show(any_db, 2)  # another group's message is its own
    with any_db.read() as session:
        assert len(session.exec(select(EffectRow)).all()) == 2


def test_a_change_while_the_edit_is_being_sent_queues_another_behind_it(any_db: Database) -> None:
    show(any_db, 1)
    with any_db.write() as session:
        [due] = claims.claimable(session=session, team_id=TEAM, now=NOW)
        claims.claim_many(session=session, effect_ids=[due.id], worker="web-1", now=NOW)
    assert show(any_db, 1)  # the one being sent may have read the group before this change
    assert due_kinds(any_db) == []  # the second waits for the first: one queue per group
    with any_db.write() as session:
        store.mark_done(session=session, effect_ids=[due.id], now=NOW, worker="web-1")
    assert due_kinds(any_db) == [(ShowTriage.kind, 1)]


def test_a_later_edit_supersedes_a_waiting_one_of_its_group_only(any_db: Database) -> None:
    for group_id in (1, 2, 1):
        with any_db.write() as session:
            effect = ShowTriage(alert_group_id=group_id)
            store.enqueue(session=session, incident_id=None, team_id=TEAM, effect=effect, now=NOW)
    with any_db.write() as session:
        first, second, _ = claims.claim_many(session=session, effect_ids=[1, 2, 3], worker="web-1", now=NOW).values()
        assert worth.has_later(session=session, effect=claims.claimed(first))
        assert not worth.has_later(session=session, effect=claims.claimed(second))


class PaceTime:
    """The channel pace's monotonic clock, moved by the test: a drain that takes longer than the
    pace on a loaded machine must not let one more message through than the story allows."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


def test_every_triage_message_keeps_one_channel_s_pace_and_an_incident_s_work_is_not_held_behind(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pace_time = PaceTime()
    monkeypatch.setattr(channel_pace, "time", pace_time)
    clock = ManualClock(NOW)
    slack = FakeSlack()
    sender = EffectSender(sqlite_db, slack, clock=clock, workspace=lambda: TEAM, pace_seconds=1.0)
    for group_id in (1, 2, 3):
        show(sqlite_db, group_id)
    service = IncidentService(sqlite_db, zone=KOLKATA, clock=clock)
    service.open(team_id=TEAM, actor="U1", title="Checkout fails")
    sender.drain()
    triage = [kind for kind, _ in slack.sent if kind == ShowTriage.kind]
    assert len(triage) == 1  # one a second in the alert channel
    assert (PostTimeline.kind, 1) in slack.sent  # the incident's opening went all the same
    assert sender.next_in is not None and 0 < sender.next_in <= 1.0
    pace_time.now += sender.next_in
    sender.drain()
    assert [kind for kind, _ in slack.sent].count(ShowTriage.kind) == 2
    with sqlite_db.read() as session:
        waiting = session.exec(select(EffectRow).where(col(EffectRow.state) == "pending")).all()
    assert [row.alert_group_id for row in waiting] == [3]


def add_group(db: Database, *, posted: bool, seen: datetime = NOW) -> int:
    """A group of alerts waiting for triage in workspace TEAM; its message posted already or not."""
    with db.write() as session:
        row = AlertGroupRow(
            source="alertmanager",
            key_hash=f"{time.monotonic_ns():064x}"[-64:],
            group_key=f"group {time.monotonic_ns()}",
            sender="prod-alertmanager",
            team_id=TEAM,
            summary="Disk almost full",
            title="Disk almost full",
            severity=2,
            first_seen_at=seen,
            last_seen_at=seen,
            changed_at=seen,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        if posted:
            alerts.set_message(session=session, group_id=row.id, ts=f"1765000000.{row.id:06d}")
        return row.id


def test_a_new_group_s_first_message_goes_before_the_waiting_edits_of_older_groups_messages(
    any_db: Database,
) -> None:
    older = [add_group(any_db, posted=True) for _ in range(30)]  # more than one read of what is due
    for group_id in older:
        assert show(any_db, group_id)  # their edits wait (an incident was made private, say)
    new = add_group(any_db, posted=False)
    assert show(any_db, new)
    due = due_kinds(any_db)
    assert due[0] == (ShowTriage.kind, new)  # a person sees the new alert first
    assert [group for _, group in due[1:]] == older[: len(due) - 1]  # the edits, in the order recorded


def test_at_the_alert_channel_s_pace_the_new_group_s_message_is_the_one_call_of_the_round(
    any_db: Database,
) -> None:
    slack = FakeSlack()
    sender = EffectSender(any_db, slack, clock=ManualClock(NOW), workspace=lambda: TEAM, pace_seconds=1.0)
    for _ in range(3):
        show(any_db, add_group(any_db, posted=True))
    new = add_group(any_db, posted=False)
    show(any_db, new)
    sender.drain()
    assert slack.sent == [(ShowTriage.kind, None)]  # one Slack call a second in the channel
    with any_db.read() as session:
        pending = session.exec(select(EffectRow.alert_group_id).where(col(EffectRow.state) == "pending")).all()
    assert new not in pending and len(pending) == 3  # the three edits wait their turn


def test_a_posted_group_s_edits_and_an_unposted_group_s_later_edits_keep_their_order(any_db: Database) -> None:
    posted = add_group(any_db, posted=True)
    show(any_db, posted)
    new = add_group(any_db, posted=False)
    show(any_db, new)
    with any_db.write() as session:  # its post is being sent: a change queues an edit behind it
        [first, _] = claims.claimable(session=session, team_id=TEAM, now=NOW)
        claims.claim_many(session=session, effect_ids=[first.id], worker="web-1", now=NOW)
    assert show(any_db, new)
    assert due_kinds(any_db) == [(ShowTriage.kind, posted)]  # the new group's edit waits for its post
