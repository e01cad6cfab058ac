"""alerts.offers: the next waiting triage messages to edit once the last one edited went, so that
*Add to incident* never keeps offering a private or resolved incident past the first page (on
SQLite and PostgreSQL). What people see is tested end to end (tests/e2e/test_e2e_triage_pace.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.alerts import message
from bot.outbox import claims, store
from bot.outbox.attempts import Attempt
from bot.outbox.effect import Effect
from bot.outbox.kinds.refresh_offers import OffersLeft, RefreshOffers
from bot.outbox.kinds.show_triage import ShowTriage
from bot.outbox.results import Progress, Result
from bot.outbox.sender import EffectSender
from bot.outbox.view import IncidentView
from bot.runtime import _on_result
from bot.sandbox import ManualClock
from bot.service import IncidentService
from bot.storage.db import Database
from bot.storage.effect_tables import EffectRow
from bot.triage import AlertTriage
from tests.conftest import KOLKATA
from tests.outbox.fake_delivery import FakeSlack
from tests.outbox.kinds.stored import assert_stored_as
from tests.outbox.test_triage_queue import TEAM, add_group

NOW = datetime(2026, 12, 6, 19, 27, tzinfo=UTC)

# As the outbox stored them in a run of the test suite (rows a deployed database holds).
STORED = [
    (
        RefreshOffers(alert_group_id=7, team_id="T0EMULATOR", seen_before="2026-12-06T19:26:36.275178+00:00"),
        '{"alert_group_id": 7, "seen_before": "2026-12-06T19:26:36.275178+00:00", "team_id": "T0EMULATOR"}',
    ),
]


@pytest.mark.parametrize(("effect", "text"), STORED)
def test_rows_stored_by_released_versions_still_load(effect: RefreshOffers, text: str) -> None:
    assert_stored_as(effect, text)


def test_it_calls_no_slack_and_says_which_messages_are_next() -> None:
    effect = RefreshOffers(alert_group_id=7, team_id=TEAM, seen_before="2026-12-06T19:26:36+00:00")
    result = effect.send(NoSlack(attempt=Attempt(effect_id=31)))  # type: ignore[arg-type]
    assert result == OffersLeft(TEAM, datetime(2026, 12, 6, 19, 26, 36, tzinfo=UTC), 7, effect_id=31)
    assert not effect.one_channel and not effect.reads_incident  # not held by the alert channel's pace


@dataclass(frozen=True)
class NoSlack:
    """All the kind reads of its `Sending`: which attempt this is (it touches nothing of Slack)."""

    attempt: Attempt


def pending(db: Database) -> list[tuple[str, int | None]]:
    with db.read() as session:
        rows = session.exec(select(EffectRow).where(col(EffectRow.state) == "pending").order_by(col(EffectRow.id)))
        return [(row.kind, row.alert_group_id) for row in rows]


def test_a_refresh_edits_a_page_then_the_next_once_the_page_s_last_edit_went(
    any_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(message, "OFFER_REFRESH", 2)
    groups = [add_group(any_db, posted=True, seen=NOW - timedelta(minutes=n)) for n in range(5)]  # newest first
    with any_db.write() as session:
        message.show_open_groups(session, team_id=TEAM, now=NOW)
    first_page = [(ShowTriage.kind, groups[0]), (ShowTriage.kind, groups[1]), (RefreshOffers.kind, groups[1])]
    assert pending(any_db) == first_page
    with any_db.read() as session:
        due = claims.claimable(session=session, team_id=TEAM, now=NOW)
    assert RefreshOffers.kind not in [d.kind for d in due]  # behind its group's edit
    with any_db.write() as session:
        store.mark_done(session=session, effect_ids=[d.id for d in due], now=NOW, worker="test")
        [rest] = claims.claimable(session=session, team_id=TEAM, now=NOW)
    assert rest.kind == RefreshOffers.kind
    left = RefreshOffers(alert_group_id=groups[1], team_id=TEAM, seen_before=(NOW - timedelta(minutes=1)).isoformat())
    with any_db.write() as session:
        store.mark_done(session=session, effect_ids=[rest.id], now=NOW, worker="test")
        found = left.send(NoSlack(attempt=Attempt(effect_id=rest.id)))  # type: ignore[arg-type]
        assert isinstance(found, OffersLeft)
        before = (found.seen_before, found.group_before)
        message.show_open_groups(session, team_id=TEAM, now=NOW, before=before)
    second_page = [(ShowTriage.kind, groups[2]), (ShowTriage.kind, groups[3]), (RefreshOffers.kind, groups[3])]
    assert pending(any_db) == second_page
    with any_db.write() as session:  # the last page: one group, nothing after it
        message.show_open_groups(session, team_id=TEAM, now=NOW, before=(NOW - timedelta(minutes=3), groups[3]))
    assert pending(any_db) == [*second_page, (ShowTriage.kind, groups[4])]


def test_a_refresh_from_the_first_message_settles_the_rest_of_an_earlier_one(
    any_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(message, "OFFER_REFRESH", 2)
    groups = [add_group(any_db, posted=True, seen=NOW - timedelta(minutes=n)) for n in range(3)]
    with any_db.write() as session:
        message.show_open_groups(session, team_id=TEAM, now=NOW)
        message.show_open_groups(session, team_id=TEAM, now=NOW)  # another incident made private
    assert pending(any_db) == [
        (ShowTriage.kind, groups[0]),
        (ShowTriage.kind, groups[1]),
        (RefreshOffers.kind, groups[1]),  # the second refresh's: the first's was settled
    ]


class SendsOffers(FakeSlack):
    """The fake Slack, but `alerts.offers` is sent as the outbox sends it (it calls no Slack)."""

    def send(self, effects: Sequence[Effect], views: Sequence[IncidentView], progress: Progress, **how: Any) -> Result:
        if isinstance(effects[0], RefreshOffers):
            return effects[0].send(NoSlack(attempt=how["attempt"]))  # type: ignore[arg-type]
        return super().send(effects, views, progress, **how)


def test_sent_again_after_a_crash_that_came_after_its_next_page_was_queued_it_starts_no_second_chain(
    any_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next page was queued (`OffersLeft` handed over), then the process died before the
    `alerts.offers` was recorded done: sent again once its lease ran out, it queues nothing more,
    and each page's `alerts.offers` is queued once (two chains edited every later message twice)."""
    monkeypatch.setattr(message, "OFFER_REFRESH", 2)
    clock = ManualClock(NOW)
    for n in range(7):
        add_group(any_db, posted=True, seen=NOW - timedelta(minutes=n))
    with any_db.write() as session:
        message.show_open_groups(session, team_id=TEAM, now=NOW)
    sender = offers_sender(any_db, clock)
    mark_done, crashed = store.mark_done, []

    def crash_once(**arguments: Any) -> set[int]:
        if not crashed and offers_among(any_db, arguments["effect_ids"]):
            crashed.append(arguments["effect_ids"])
            raise SystemExit("the process died")
        return mark_done(**arguments)

    monkeypatch.setattr(store, "mark_done", crash_once)
    with pytest.raises(SystemExit):
        while sender.drain():
            pass
    assert crashed
    sender.pool.close()
    sender = offers_sender(any_db, clock)
    clock.advance(seconds=121)  # the crashed process's lease ran out
    while sender.drain():
        clock.advance(seconds=1)
    sender.pool.close()
    with any_db.read() as session:
        rows = session.exec(select(EffectRow).where(col(EffectRow.kind) == RefreshOffers.kind)).all()
        edits = session.exec(select(EffectRow).where(col(EffectRow.kind) == ShowTriage.kind)).all()
    assert sorted(row.alert_group_id or 0 for row in rows) == sorted({row.alert_group_id or 0 for row in rows})
    assert len(rows) == 3, "one for each page but the last"
    assert len(edits) == 7 and all(row.state == "done" for row in [*rows, *edits])


def offers_sender(db: Database, clock: ManualClock) -> EffectSender:
    """A sender whose results are handed to the bot as the runtime hands them (`OffersLeft`: the next page)."""
    service = IncidentService(db, zone=KOLKATA, clock=clock)
    triage = AlertTriage(db, service, zone=KOLKATA, clock=clock)
    hand_over = lambda result: _on_result(service, triage, result)  # noqa: E731
    return EffectSender(db, SendsOffers(), clock=clock, workspace=lambda: TEAM, on_result=hand_over)


def offers_among(db: Database, effect_ids: Sequence[int]) -> bool:
    with db.read() as session:
        rows = session.exec(select(EffectRow).where(col(EffectRow.id).in_(effect_ids))).all()
    return any(row.kind == RefreshOffers.kind for row in rows)
