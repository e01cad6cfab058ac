"""One database, two workspaces: a sender sends, holds and checks only the work of the workspace
its token serves (auth.test's team), on SQLite and PostgreSQL. What a demo or a second install
left in the database is never sent with this token, nor paused by another token's refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot import health
from bot.outbox import pause, store
from bot.outbox.backoff import Backoff
from bot.outbox.failures import Hold
from bot.outbox.kinds.open_incident_modal import OpenIncidentModal
from bot.outbox.sender import EffectSender
from bot.sandbox import ManualClock
from bot.service import IncidentService
from bot.storage.db import Database
from bot.storage.effect_tables import EffectRow
from tests.conftest import KOLKATA
from tests.outbox.fake_delivery import OPENING, FakeSlack

OURS, THEIRS = "T0OURS", "T0THEIRS"
START = datetime(2022, 2, 17, 16, 11, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def sender_for(db: Database, slack: FakeSlack, clock: ManualClock, team: list[str | None]) -> EffectSender:
    return EffectSender(db, slack, clock=clock, workspace=lambda: team[0], backoff=Backoff(random=lambda: 1.0))


def rows(db: Database, team_id: str) -> list[EffectRow]:
    with db.read() as session:
        query = select(EffectRow).where(EffectRow.team_id == team_id, EffectRow.kind != store.PAUSE_KIND)
        return list(session.exec(query.order_by(col(EffectRow.id))).all())


def test_a_sender_sends_only_its_own_workspaces_work(any_db: Database, clock: ManualClock) -> None:
    service = IncidentService(any_db, zone=KOLKATA, clock=clock)
    service.open(team_id=THEIRS, actor="U1", title="Their incident, left by a demo")
    service.open(team_id=OURS, actor="U1", title="Our incident")
    service.request_open_modal(
        team_id=THEIRS, trigger_id="t-theirs", severity=2, channel_id=None, private=False, at=None
    )
    slack = FakeSlack()
    sender_for(any_db, slack, clock, [OURS]).drain()
    assert slack.sent == [(kind, 1) for kind in OPENING], "our INC-1's opening, and nothing of theirs"
    theirs = rows(any_db, THEIRS)
    assert len(theirs) == len(OPENING) + 1
    assert {(row.state, row.attempts, row.claimed_by) for row in theirs} == {("pending", 0, None)}, "never touched"


def test_until_slack_says_which_workspace_is_served_nothing_is_sent(any_db: Database, clock: ManualClock) -> None:
    IncidentService(any_db, zone=KOLKATA, clock=clock).open(team_id=OURS, actor="U1", title="Our incident")
    slack = FakeSlack()
    team: list[str | None] = [None]  # auth.test has not answered yet
    sender = sender_for(any_db, slack, clock, team)
    assert sender.drain() == 0
    assert slack.tried == []
    team[0] = OURS  # it answered
    sender.drain()
    assert [kind for kind, _ in slack.sent] == OPENING


def test_another_workspaces_refused_token_pauses_only_its_own_work(any_db: Database, clock: ManualClock) -> None:
    service = IncidentService(any_db, zone=KOLKATA, clock=clock)
    service.open(team_id=THEIRS, actor="U1", title="Their incident")
    revoked = FakeSlack()
    revoked.failing = lambda: Hold("token_revoked")
    sender_for(any_db, revoked, clock, [THEIRS]).drain()  # their process: its token is refused
    assert health.problem(any_db, KOLKATA, team_id=THEIRS) == "slack auth failing since 21:41: token_revoked"
    service.open(team_id=OURS, actor="U1", title="Our incident")
    ours = FakeSlack()
    sender = sender_for(any_db, ours, clock, [OURS])
    sender.drain()
    assert [kind for kind, _ in ours.sent] == OPENING, "our outbox is not paused by their refusal"
    assert health.problem(any_db, KOLKATA, team_id=OURS) is None
    clock.advance(minutes=5)  # their pause's checks are due: ours never makes them
    sender.drain()
    assert [kind for kind, _ in ours.tried] == OPENING, "each tried once, all sent"
    with any_db.read() as session:
        paused = pause.current(session=session, team_id=THEIRS)
    assert paused is not None and paused.next_check == START + timedelta(minutes=1), "their check was not made"
    assert rows(any_db, THEIRS)[0].state == "held"


def test_work_of_no_incident_must_say_whose_it_is(any_db: Database) -> None:
    with any_db.write() as session, pytest.raises(TypeError, match="team_id"):
        store.enqueue(
            session=session, incident_id=None, effect=OpenIncidentModal(trigger_id="t", severity=2), now=START
        )
