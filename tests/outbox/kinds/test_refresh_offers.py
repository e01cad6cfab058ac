"""alerts.offers: the next waiting triage messages to edit once the last one edited went, so that
*Add to incident* never keeps offering a private or resolved incident past the first page (on
SQLite and PostgreSQL). What people see is tested end to end (tests/e2e/test_e2e_triage_pace.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.alerts import message
from bot.outbox import claims, store
from bot.outbox.kinds.refresh_offers import OffersLeft, RefreshOffers
from bot.outbox.kinds.show_triage import ShowTriage
from bot.storage.db import Database
from bot.storage.tables import EffectRow
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
    result = effect.send(None)  # type: ignore[arg-type]  # nothing of Slack is touched
    assert result == OffersLeft(TEAM, datetime(2026, 12, 6, 19, 26, 36, tzinfo=UTC), 7)
    assert not effect.one_channel and not effect.reads_incident  # not held by the alert channel's pace


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
        store.mark_done(session=session, effect_ids=[d.id for d in due], now=NOW)
        [rest] = claims.claimable(session=session, team_id=TEAM, now=NOW)
    assert rest.kind == RefreshOffers.kind
    left = RefreshOffers(alert_group_id=groups[1], team_id=TEAM, seen_before=(NOW - timedelta(minutes=1)).isoformat())
    with any_db.write() as session:
        store.mark_done(session=session, effect_ids=[rest.id], now=NOW)
        found = left.send(None)  # type: ignore[arg-type]
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
